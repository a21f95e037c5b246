/* placeholder */
#include "cli.h"
int cmd_images(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "dmpkit images: not built yet\n"); return EXIT_USAGE; }
void help_images(FILE *f) { fprintf(f, "not built yet\n"); }
