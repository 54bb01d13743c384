#include <stdio.h>
int main (void) { fprintf (stderr, "shouhe-node: under construction\n"); return 2; }
