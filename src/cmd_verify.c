/* placeholder */
#include "cli.h"
int cmd_verify(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "dmpkit verify: not built yet\n"); return EXIT_USAGE; }
void help_verify(FILE *f) { fprintf(f, "not built yet\n"); }
