/* SPDX-License-Identifier: MIT */
/* Subcommands of the irqrr binary. Each returns the process exit status. */
#ifndef IRQRR_COMMANDS_H
#define IRQRR_COMMANDS_H

/* argv[0] is the subcommand name. */
int cmd_chips(int argc, char **argv);
int cmd_run(int argc, char **argv);    /* "run" and "record" (recorder/) */
int cmd_replay(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_explain(int argc, char **argv); /* cli/cmd_explain.c */
int cmd_export(int argc, char **argv); /* cli/cmd_export.c */
int cmd_plot(int argc, char **argv);
int cmd_bisect(int argc, char **argv); /* cli/cmd_debug.c */
int cmd_diff(int argc, char **argv);
int cmd_reduce(int argc, char **argv);
int cmd_import(int argc, char **argv); /* cli/cmd_import.c */

#endif
