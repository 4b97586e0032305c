typedef int irqrr_format_placeholder;
