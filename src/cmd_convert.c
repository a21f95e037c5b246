/* placeholder */
#include "cli.h"
int cmd_convert(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "dmpkit convert: not built yet\n"); return EXIT_USAGE; }
void help_convert(FILE *f) { fprintf(f, "not built yet\n"); }
