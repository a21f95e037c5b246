/* dumpsummary — a small program that uses only dmpkit's public API.
 *
 * Build against an installed dmpkit:
 *   cc dumpsummary.c $(pkg-config --cflags --libs dmpkit) -o dumpsummary
 * SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include <dmpkit/dmpkit.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MEMORY.DMP\n", argv[0]);
		return 2;
	}
	dk_kdump *dump;
	dk_error err;
	if (dk_kdump_open(argv[1], &dump, &err) != DK_OK) {
		fprintf(stderr, "%s\n", err.message);
		return 2;
	}
	const dk_kdump_summary *s = dk_kdump_get_summary(dump);
	const char *name = dk_bugcheck_name(s->bugcheck_code);
	printf("%s: Windows build %u, %s, %u processors\n", argv[1], s->minor_version,
	       dk_arch_name(s->arch), s->number_processors);
	printf("bugcheck 0x%08x %s\n", s->bugcheck_code, name ? name : "(unknown)");
	printf("%s, %" PRIu64 " pages stored\n", dk_dump_type_name(s->dump_type), s->stored_pages);

	dk_findings findings;
	dk_findings_init(&findings);
	dk_kdump_check(dump, 0, &findings, NULL, &err);
	printf("verdict: %s\n", dk_verdict_name(dk_findings_verdict(&findings)));
	for (size_t i = 0; i < findings.count; i++)
		printf("  %s: %s\n", dk_severity_name(findings.items[i].severity),
		       findings.items[i].message);
	int rc = dk_findings_verdict(&findings) == DK_VERDICT_BAD;
	dk_findings_free(&findings);
	dk_kdump_close(dump);
	return rc;
}
