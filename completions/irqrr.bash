# SPDX-License-Identifier: MIT
# bash completion for irqrr. Everything comes from the binary itself, so it
# cannot drift: subcommands from `irqrr --help`, options from
# `irqrr CMD --help`, guests from `irqrr run --list-guests`, --model keys
# from `irqrr replay --list-models`, predicates from `irqrr bisect --help`.

_irqrr_commands() {
	"$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p'
}

_irqrr_options() {
	"$1" "$2" --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z0-9-]*' | tr -d ' ,' | sort -u
}

_irqrr_predicates() {
	"$1" bisect --help 2>/dev/null | sed -n '/^Predicates/,/^DURATION/p' |
		grep -oE '(^|[[:space:]])[a-z]+(-[a-z]+)*[:>]' | tr -d ' \t'
}

_irqrr() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	fi
	local irqrr=${words[0]} cmd=${words[1]:-}
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(_irqrr_commands "$irqrr") -V --version --help" -- "$cur"))
		return
	fi
	case $cmd in
	help)
		[ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "$(_irqrr_commands "$irqrr")" -- "$cur"))
		return ;;
	esac
	if [ "$cmd" = import ] && [ "$prev" = --from ]; then
		COMPREPLY=($(compgen -W "qemu-log ftrace" -- "$cur"))
		return
	fi
	case $prev in
	--guest)
		COMPREPLY=($(compgen -W "$("$irqrr" run --list-guests 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return ;;
	--model)
		COMPREPLY=($(compgen -W "$("$irqrr" replay --list-models 2>/dev/null |
			sed -n 's/^\([a-z0-9_.]*\)=\(.*\)/\1=\2/p' |
			awk -F= '{ n = split($2, v, "|"); for (i = 1; i <= n; i++) print $1 "=" v[i] }')
			$("$irqrr" replay --list-models 2>/dev/null | sed -n 's/^  \([a-z]*\) *= .*/\1/p')" -- "$cur"))
		return ;;
	--until)
		COMPREPLY=($(compgen -W "$(_irqrr_predicates "$irqrr")" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return ;;
	--format)
		case $cmd in
		dump) COMPREPLY=($(compgen -W "text json script chips" -- "$cur")) ;;
		export) COMPREPLY=($(compgen -W "pftrace json perfetto" -- "$cur")) ;;
		plot) COMPREPLY=($(compgen -W "svg png" -- "$cur")) ;;
		esac
		return ;;
	--kind)
		COMPREPLY=($(compgen -W "reset time pio_write pio_read mmio_write mmio_read mmio_write64 mmio_read64 irq intack eoi lvt wire apic lint deadline console msi_result mark exit vcpu console_in" -- "${cur##*,}"))
		return ;;
	--irqchip) COMPREPLY=($(compgen -W "split kernel" -- "$cur")); return ;;
	--lint0) COMPREPLY=($(compgen -W "broadcast bsp" -- "$cur")); return ;;
	--hpet) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
	--cpuid) COMPREPLY=($(compgen -W "auto host safe" -- "$cur")); return ;;
	--kernel-decompress) COMPREPLY=($(compgen -W "host guest" -- "$cur")); return ;;
	--console) COMPREPLY=($(compgen -W "stdin none" -- "$cur")); return ;;
	--records) COMPREPLY=($(compgen -W "interleaved split linked compact" -- "$cur")); return ;;
	--from|--to|--at|--cpus|--mem|--gsi|--line|--cpu|--vector|--timeout|--max-tests|--max-time|\
	--from-time|--to-time|--tolerance|--width|--ring|--chunk-ms|--keyframe-windows|--keyframe-kib|--hang-timeout|--append|\
	--ioapic-version|--imr-reset)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_irqrr_options "$irqrr" "$cmd")" -- "$cur"))
		return
	fi
	case $cmd in
	chips) COMPREPLY=($(compgen -f -X '!*.script' -- "$cur") $(compgen -d -- "$cur")) ;;
	run|record|import) COMPREPLY=($(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -X '!*.irqrr' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -F _irqrr irqrr
