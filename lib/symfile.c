/* dmpkit — breakpad text symbol files (.sym): parsing, lookups, and the
 * STACK WIN / STACK CFI programs.
 *
 * Record syntax (facts from google/breakpad docs/symbol_files.md and
 * src/processor/basic_source_line_resolver.cc, rust-minidump
 * breakpad-symbols/src/sym_file/parser.rs):
 *   MODULE os arch id name
 *   INFO ...                       (ignored)
 *   FILE number name
 *   FUNC [m] address size param_size name      (hex numbers)
 *   address size line filenum                  (line record, after a FUNC)
 *   PUBLIC [m] address param_size name
 *   STACK WIN type rva code_size prolog_size epilog_size param_size
 *             saved_regs_size locals_size max_stack_size has_program
 *             (program string | allocates_base_pointer)
 *   STACK CFI INIT address size rules / STACK CFI address rules
 *   INLINE, INLINE_ORIGIN          (counted, not used)
 * Function lookup: the FUNC containing the address, else the nearest
 * PUBLIC at or below it unless a FUNC starts between the two (breakpad's
 * rule).  STACK WIN type 4 (FrameData) is preferred over type 0 (FPO).
 * SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmpkit/symfile.h>

#include "internal.h"
#include "symfile_internal.h"

#define SF_MAX_FILE (2048ull << 20) /* 2 GiB of text is far beyond any real .sym */

typedef struct sf_file { uint64_t id; const char *name; } sf_file;
typedef struct sf_func { uint64_t addr, size; uint32_t param; const char *name; } sf_func;
typedef struct sf_line { uint64_t addr, size; uint32_t line; uint64_t file; } sf_line;
typedef struct sf_pub { uint64_t addr; uint32_t param; const char *name; } sf_pub;
typedef struct sf_cfi {
	uint64_t addr, size;
	const char *rules;
	size_t first_delta, ndelta; /* deltas in file order */
} sf_cfi;
typedef struct sf_delta { uint64_t addr; const char *rules; } sf_delta;

struct dk_symfile {
	char *text;
	const char *os, *arch, *id, *name;
	sf_file *files;   size_t nfiles, capfiles;
	sf_func *funcs;   size_t nfuncs, capfuncs;
	sf_line *lines;   size_t nlines, caplines;
	sf_pub *pubs;     size_t npubs, cappubs;
	dk_win_record *win4, *win0; size_t nwin4, capwin4, nwin0, capwin0;
	sf_cfi *cfis;     size_t ncfis, capcfis;
	sf_delta *deltas; size_t ndeltas, capdeltas;
	dk_symfile_stats stats;
};

/* ---- growable arrays (capacity doubles, overflow checked) ---- */
static bool grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 64;
	if (nc < *cap || nc > SIZE_MAX / elem)
		return false;
	void *q = realloc(*p, nc * elem);
	if (!q)
		return false;
	*p = q;
	*cap = nc;
	return true;
}
#define PUSH(s, arr, n, cap) grow((void **)&(s)->arr, &(s)->cap, (s)->n, sizeof *(s)->arr)

/* ---- tokenizing one line in place ---- */
static char *next_tok(char **cur)
{
	char *p = *cur;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p) {
		*cur = p;
		return NULL;
	}
	char *t = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = '\0';
	*cur = p;
	return t;
}

static char *rest_of_line(char **cur)
{
	char *p = *cur;
	while (*p == ' ' || *p == '\t')
		p++;
	*cur = p + strlen(p);
	return p;
}

static bool parse_hex(const char *t, uint64_t *v)
{
	if (!t || !*t)
		return false;
	uint64_t r = 0;
	size_t n = 0;
	for (; *t; t++, n++) {
		unsigned d;
		if (*t >= '0' && *t <= '9') d = (unsigned)(*t - '0');
		else if (*t >= 'a' && *t <= 'f') d = (unsigned)(*t - 'a' + 10);
		else if (*t >= 'A' && *t <= 'F') d = (unsigned)(*t - 'A' + 10);
		else return false;
		if (n >= 16)
			return false;
		r = r << 4 | d;
	}
	*v = r;
	return true;
}

static bool parse_dec(const char *t, uint64_t *v)
{
	if (!t || !*t)
		return false;
	uint64_t r = 0;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return false;
		if (r > (UINT64_MAX - 9) / 10)
			return false;
		r = r * 10 + (uint64_t)(*t - '0');
	}
	*v = r;
	return true;
}

static bool is_hex_tok_start(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One line; returns false only when out of memory.  `in_func` says whether
 * line records are allowed (a FUNC was seen). */
static bool parse_line(dk_symfile *s, char *line, bool *in_func)
{
	char *cur = line;
	char *t = next_tok(&cur);
	if (!t)
		return true;
	uint64_t a, b, c, d;
	if (strcmp(t, "MODULE") == 0) {
		char *os = next_tok(&cur), *ar = next_tok(&cur), *id = next_tok(&cur);
		char *nm = rest_of_line(&cur);
		if (!os || !ar || !id) {
			s->stats.bad_lines++;
			return true;
		}
		if (!s->os) {
			s->os = os; s->arch = ar; s->id = id; s->name = nm;
		}
		*in_func = false;
		return true;
	}
	if (strcmp(t, "INFO") == 0)
		return true;
	if (strcmp(t, "FILE") == 0) {
		char *n = next_tok(&cur);
		char *nm = rest_of_line(&cur);
		if (!parse_dec(n, &a)) {
			s->stats.bad_lines++;
			return true;
		}
		if (!PUSH(s, files, nfiles, capfiles))
			return false;
		s->files[s->nfiles++] = (sf_file){ a, nm };
		s->stats.files++;
		return true;
	}
	if (strcmp(t, "INLINE") == 0 || strcmp(t, "INLINE_ORIGIN") == 0) {
		s->stats.inline_records++;
		return true;
	}
	if (strcmp(t, "FUNC") == 0 || strcmp(t, "PUBLIC") == 0) {
		bool func = t[0] == 'F';
		char *x = next_tok(&cur);
		if (x && strcmp(x, "m") == 0)
			x = next_tok(&cur);
		bool ok = parse_hex(x, &a);
		if (func)
			ok = ok && parse_hex(next_tok(&cur), &b);
		ok = ok && parse_hex(next_tok(&cur), &c);
		*in_func = false;
		if (!ok || c > UINT32_MAX) {
			s->stats.bad_lines++;
			return true;
		}
		char *nm = rest_of_line(&cur);
		if (func) {
			if (!PUSH(s, funcs, nfuncs, capfuncs))
				return false;
			s->funcs[s->nfuncs++] = (sf_func){ a, b, (uint32_t)c, nm };
			s->stats.funcs++;
			*in_func = true;
		} else {
			if (!PUSH(s, pubs, npubs, cappubs))
				return false;
			s->pubs[s->npubs++] = (sf_pub){ a, (uint32_t)c, nm };
			s->stats.publics++;
		}
		return true;
	}
	if (strcmp(t, "STACK") == 0) {
		char *kind = next_tok(&cur);
		*in_func = false;
		if (kind && strcmp(kind, "WIN") == 0) {
			uint64_t f[10];
			bool ok = true;
			for (int i = 0; i < 10 && ok; i++)
				ok = parse_hex(next_tok(&cur), &f[i]) && (i == 0 || f[i] <= UINT32_MAX);
			char *last = rest_of_line(&cur);
			if (!ok || f[0] > 4 || f[9] > 1 || (!f[9] && !*last)) {
				s->stats.bad_lines++;
				return true;
			}
			dk_win_record w = {
				.type = (unsigned)f[0], .rva = (uint32_t)f[1], .code_size = (uint32_t)f[2],
				.prolog_size = (uint32_t)f[3], .epilog_size = (uint32_t)f[4],
				.param_size = (uint32_t)f[5], .saved_regs_size = (uint32_t)f[6],
				.locals_size = (uint32_t)f[7], .max_stack_size = (uint32_t)f[8],
				.has_program = f[9] != 0, .program = "",
			};
			if (w.has_program) {
				w.program = last;
			} else {
				uint64_t bp;
				if (!parse_hex(last, &bp) || bp > 1) {
					s->stats.bad_lines++;
					return true;
				}
				w.allocates_base_pointer = bp != 0;
			}
			s->stats.stack_win++;
			if (w.type == 4) {
				if (!PUSH(s, win4, nwin4, capwin4))
					return false;
				s->win4[s->nwin4++] = w;
			} else if (w.type == 0) {
				if (!PUSH(s, win0, nwin0, capwin0))
					return false;
				s->win0[s->nwin0++] = w;
			}
			return true;
		}
		if (kind && strcmp(kind, "CFI") == 0) {
			char *x = next_tok(&cur);
			if (x && strcmp(x, "INIT") == 0) {
				if (!parse_hex(next_tok(&cur), &a) || !parse_hex(next_tok(&cur), &b)) {
					s->stats.bad_lines++;
					return true;
				}
				if (!PUSH(s, cfis, ncfis, capcfis))
					return false;
				s->cfis[s->ncfis++] = (sf_cfi){ a, b, rest_of_line(&cur), s->ndeltas, 0 };
				s->stats.cfi_init++;
				return true;
			}
			if (!parse_hex(x, &a) || s->ncfis == 0) {
				s->stats.bad_lines++;
				return true;
			}
			sf_cfi *init = &s->cfis[s->ncfis - 1];
			if (init->first_delta + init->ndelta != s->ndeltas) {
				s->stats.bad_lines++;
				return true;
			}
			if (!PUSH(s, deltas, ndeltas, capdeltas))
				return false;
			s->deltas[s->ndeltas++] = (sf_delta){ a, rest_of_line(&cur) };
			init->ndelta++;
			s->stats.cfi_delta++;
			return true;
		}
		s->stats.bad_lines++;
		return true;
	}
	if (is_hex_tok_start(t[0]) && *in_func) {
		if (parse_hex(t, &a) && parse_hex(next_tok(&cur), &b) &&
		    parse_dec(next_tok(&cur), &c) && c <= UINT32_MAX &&
		    parse_dec(next_tok(&cur), &d)) {
			if (!PUSH(s, lines, nlines, caplines))
				return false;
			s->lines[s->nlines++] = (sf_line){ a, b, (uint32_t)c, d };
			s->stats.lines++;
		} else {
			s->stats.bad_lines++;
		}
		return true;
	}
	s->stats.bad_lines++;
	return true;
}

#define CMP_FIELD(fn, type, field)                                         \
	static int fn(const void *x, const void *y)                        \
	{                                                                  \
		const type *p = x, *q = y;                                 \
		return p->field < q->field ? -1 : p->field > q->field;     \
	}
CMP_FIELD(cmp_file, sf_file, id)
CMP_FIELD(cmp_func, sf_func, addr)
CMP_FIELD(cmp_line, sf_line, addr)
CMP_FIELD(cmp_pub, sf_pub, addr)
CMP_FIELD(cmp_win, dk_win_record, rva)
CMP_FIELD(cmp_cfi, sf_cfi, addr)

dk_status dk_symfile_load_memory(const char *text, size_t len, dk_symfile **out, dk_error *err)
{
	*out = NULL;
	if (!text && len) {
		dk_set_error(err, DK_E_ARG, "symbol file: no text");
		return DK_E_ARG;
	}
	if ((uint64_t)len > SF_MAX_FILE) {
		dk_set_error(err, DK_E_FORMAT, "symbol file: %zu bytes is more than the 2 GiB limit", len);
		return DK_E_FORMAT;
	}
	dk_symfile *s = dk_calloc(1, sizeof *s);
	if (!s || !(s->text = malloc(len + 1))) {
		free(s);
		dk_set_error(err, DK_E_NOMEM, "symbol file: out of memory");
		return DK_E_NOMEM;
	}
	if (len)
		memcpy(s->text, text, len);
	s->text[len] = '\0';
	bool in_func = false;
	char *p = s->text, *end = s->text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		*le = '\0';
		if (le > p && le[-1] == '\r')
			le[-1] = '\0';
		/* NUL bytes inside a line end it early: harmless */
		if (!parse_line(s, p, &in_func)) {
			dk_symfile_free(s);
			dk_set_error(err, DK_E_NOMEM, "symbol file: out of memory");
			return DK_E_NOMEM;
		}
		p = le + 1;
	}
	if (!s->os) {
		dk_symfile_free(s);
		dk_set_error(err, DK_E_FORMAT, "symbol file: no MODULE record");
		return DK_E_FORMAT;
	}
	if (s->nfiles)
		qsort(s->files, s->nfiles, sizeof *s->files, cmp_file);
	if (s->nfuncs)
		qsort(s->funcs, s->nfuncs, sizeof *s->funcs, cmp_func);
	if (s->nlines)
		qsort(s->lines, s->nlines, sizeof *s->lines, cmp_line);
	if (s->npubs)
		qsort(s->pubs, s->npubs, sizeof *s->pubs, cmp_pub);
	if (s->nwin4)
		qsort(s->win4, s->nwin4, sizeof *s->win4, cmp_win);
	if (s->nwin0)
		qsort(s->win0, s->nwin0, sizeof *s->win0, cmp_win);
	if (s->ncfis)
		qsort(s->cfis, s->ncfis, sizeof *s->cfis, cmp_cfi);
	*out = s;
	return DK_OK;
}

dk_status dk_symfile_load(const char *path, dk_symfile **out, dk_error *err)
{
	*out = NULL;
	dk_input in;
	dk_status st = dk_input_open(&in, path, err);
	if (st != DK_OK)
		return st;
	if (in.size > SF_MAX_FILE) {
		dk_input_close(&in);
		dk_set_error(err, DK_E_FORMAT, "%s: more than the 2 GiB limit for symbol files", path);
		return DK_E_FORMAT;
	}
	size_t n = (size_t)in.size;
	char *buf = malloc(n ? n : 1);
	if (!buf) {
		dk_input_close(&in);
		dk_set_error(err, DK_E_NOMEM, "%s: out of memory", path);
		return DK_E_NOMEM;
	}
	st = dk_input_read(&in, 0, buf, n, "symbol file", err);
	dk_input_close(&in);
	if (st == DK_OK) {
		st = dk_symfile_load_memory(buf, n, out, err);
		if (st != DK_OK && err) {
			char m[sizeof err->message + 4096];
			snprintf(m, sizeof m, "%.4000s: %s", path, err->message);
			dk_strlcpy(err->message, m, sizeof err->message);
		}
	}
	free(buf);
	return st;
}

void dk_symfile_free(dk_symfile *s)
{
	if (!s)
		return;
	free(s->text); free(s->files); free(s->funcs); free(s->lines); free(s->pubs);
	free(s->win4); free(s->win0); free(s->cfis); free(s->deltas);
	free(s);
}

const char *dk_symfile_os(const dk_symfile *s) { return s ? s->os : NULL; }
const char *dk_symfile_arch(const dk_symfile *s) { return s ? s->arch : NULL; }
const char *dk_symfile_debug_id(const dk_symfile *s) { return s ? s->id : NULL; }
const char *dk_symfile_debug_file(const dk_symfile *s) { return s ? s->name : NULL; }

void dk_symfile_get_stats(const dk_symfile *s, dk_symfile_stats *out)
{
	if (s)
		*out = s->stats;
	else
		memset(out, 0, sizeof *out);
}

/* Index of the last element whose key is <= v, or -1 (arrays sorted). */
#define LAST_LE(arr, n, field, v, res)                          \
	do {                                                    \
		size_t lo_ = 0, hi_ = (n);                      \
		while (lo_ < hi_) {                             \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;    \
			if ((arr)[mid_].field <= (v))           \
				lo_ = mid_ + 1;                 \
			else                                    \
				hi_ = mid_;                     \
		}                                               \
		(res) = (ptrdiff_t)lo_ - 1;                     \
	} while (0)

static bool contains(uint64_t start, uint64_t size, uint64_t v)
{
	return v >= start && v - start < (size ? size : 1);
}

bool dk_symfile_lookup(const dk_symfile *s, uint64_t rva, const char **function,
                       uint64_t *function_rva, const char **file, uint32_t *line)
{
	if (function) *function = NULL;
	if (function_rva) *function_rva = 0;
	if (file) *file = NULL;
	if (line) *line = 0;
	if (!s)
		return false;
	ptrdiff_t fi, pi;
	LAST_LE(s->funcs, s->nfuncs, addr, rva, fi);
	if (fi >= 0 && contains(s->funcs[fi].addr, s->funcs[fi].size, rva)) {
		const sf_func *f = &s->funcs[fi];
		if (function) *function = f->name;
		if (function_rva) *function_rva = f->addr;
		ptrdiff_t li;
		LAST_LE(s->lines, s->nlines, addr, rva, li);
		if (li >= 0 && contains(s->lines[li].addr, s->lines[li].size, rva) &&
		    s->lines[li].addr >= f->addr) {
			if (line) *line = s->lines[li].line;
			ptrdiff_t k;
			LAST_LE(s->files, s->nfiles, id, s->lines[li].file, k);
			if (k >= 0 && s->files[k].id == s->lines[li].file && file)
				*file = s->files[k].name;
		}
		return true;
	}
	LAST_LE(s->pubs, s->npubs, addr, rva, pi);
	if (pi < 0)
		return false;
	if (fi >= 0 && s->funcs[fi].addr > s->pubs[pi].addr)
		return false; /* a FUNC lies between the PUBLIC and the address */
	if (function) *function = s->pubs[pi].name;
	if (function_rva) *function_rva = s->pubs[pi].addr;
	return true;
}

static bool win_find(const dk_win_record *arr, size_t n, uint64_t rva, dk_win_record *out)
{
	ptrdiff_t i;
	LAST_LE(arr, n, rva, rva, i);
	if (i < 0 || !contains(arr[i].rva, arr[i].code_size, rva))
		return false;
	*out = arr[i];
	return true;
}

bool dk_symfile_win_info(const dk_symfile *s, uint64_t rva, dk_win_record *out)
{
	if (!s)
		return false;
	return win_find(s->win4, s->nwin4, rva, out) || win_find(s->win0, s->nwin0, rva, out);
}

/* ---- the postfix evaluator ----
 * Facts: breakpad src/processor/postfix_evaluator-inl.h — binary + - * / %
 * and @ (align: a & -b), unary ^ (dereference), = (assign to an
 * identifier); identifiers start with '$' or '.'; numbers are decimal and
 * may be negative.  Arithmetic wraps at the word width. */
#define PF_MAX_TOKENS 256
#define PF_MAX_STACK 32
#define PF_MAX_TEMPS 32

typedef struct pf_item { bool ident; const char *name; size_t len; uint64_t v; } pf_item;
typedef struct pf_env {
	const char **vars; uint64_t *values; size_t n;
	char tnames[PF_MAX_TEMPS][24]; uint64_t tvals[PF_MAX_TEMPS]; size_t ntemps;
	unsigned width; uint64_t mask;
	const dk_vmem *mem;
} pf_env;

static bool tok_eq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

static bool pf_lookup(const pf_env *e, const char *nm, size_t len, uint64_t *v)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->vars[i] && tok_eq(nm, len, e->vars[i])) {
			*v = e->values[i];
			return true;
		}
	for (size_t i = 0; i < e->ntemps; i++)
		if (tok_eq(nm, len, e->tnames[i])) {
			*v = e->tvals[i];
			return true;
		}
	return false;
}

static bool pf_assign(pf_env *e, const char *nm, size_t len, uint64_t v)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->vars[i] && tok_eq(nm, len, e->vars[i])) {
			e->values[i] = v;
			return true;
		}
	for (size_t i = 0; i < e->ntemps; i++)
		if (tok_eq(nm, len, e->tnames[i])) {
			e->tvals[i] = v;
			return true;
		}
	if (e->ntemps >= PF_MAX_TEMPS || len >= sizeof e->tnames[0])
		return false;
	memcpy(e->tnames[e->ntemps], nm, len);
	e->tnames[e->ntemps][len] = '\0';
	e->tvals[e->ntemps++] = v;
	return true;
}

static bool pf_value(const pf_env *e, const pf_item *it, uint64_t *v)
{
	if (!it->ident) {
		*v = it->v;
		return true;
	}
	return pf_lookup(e, it->name, it->len, v);
}

static bool pf_number(const char *t, size_t len, uint64_t mask, uint64_t *v)
{
	bool neg = false;
	if (len > 1 && t[0] == '-') {
		neg = true;
		t++;
		len--;
	}
	uint64_t r = 0;
	if (len > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		char buf[20];
		if (len - 2 > 16)
			return false;
		memcpy(buf, t + 2, len - 2);
		buf[len - 2] = '\0';
		if (!parse_hex(buf, &r))
			return false;
	} else {
		for (size_t i = 0; i < len; i++) {
			if (t[i] < '0' || t[i] > '9' || r > (UINT64_MAX - 9) / 10)
				return false;
			r = r * 10 + (uint64_t)(t[i] - '0');
		}
	}
	*v = (neg ? 0 - r : r) & mask;
	return true;
}

static bool pf_read(const pf_env *e, uint64_t va, uint64_t *v)
{
	uint8_t b[8];
	if (!e->mem || !e->mem->read || e->mem->read(e->mem->ctx, va, b, e->width) != DK_OK)
		return false;
	*v = e->width == 4 ? dk_le32(b) : dk_le64(b);
	return true;
}

/* Evaluates `len` bytes of `prog`.  `top` receives the last value left on
 * the stack when there is one (*have_top says so). */
static dk_status pf_run(pf_env *e, const char *prog, size_t len, uint64_t *top, bool *have_top)
{
	pf_item st[PF_MAX_STACK];
	size_t sp = 0, ntok = 0;
	size_t i = 0;
	*have_top = false;
	while (i < len) {
		while (i < len && (prog[i] == ' ' || prog[i] == '\t'))
			i++;
		if (i >= len || prog[i] == '\0')
			break;
		const char *t = prog + i;
		size_t tl = 0;
		while (i < len && prog[i] != ' ' && prog[i] != '\t' && prog[i] != '\0') {
			i++;
			tl++;
		}
		if (++ntok > PF_MAX_TOKENS)
			return DK_E_FORMAT;
		if (tl == 1 && strchr("+-*/%@^=", t[0])) {
			char op = t[0];
			if (op == '^') {
				uint64_t a, v;
				if (sp < 1 || !pf_value(e, &st[sp - 1], &a) || !pf_read(e, a & e->mask, &v))
					return DK_E_FORMAT;
				st[sp - 1] = (pf_item){ false, NULL, 0, v };
				continue;
			}
			if (sp < 2)
				return DK_E_FORMAT;
			if (op == '=') {
				uint64_t v;
				if (!st[sp - 2].ident || !pf_value(e, &st[sp - 1], &v) ||
				    !pf_assign(e, st[sp - 2].name, st[sp - 2].len, v))
					return DK_E_FORMAT;
				sp -= 2;
				continue;
			}
			uint64_t a, b, r;
			if (!pf_value(e, &st[sp - 2], &a) || !pf_value(e, &st[sp - 1], &b))
				return DK_E_FORMAT;
			switch (op) {
			case '+': r = a + b; break;
			case '-': r = a - b; break;
			case '*': r = a * b; break;
			case '/': if (!b) return DK_E_FORMAT; r = a / b; break;
			case '%': if (!b) return DK_E_FORMAT; r = a % b; break;
			default: r = a & (0 - b); break; /* '@' */
			}
			sp--;
			st[sp - 1] = (pf_item){ false, NULL, 0, r & e->mask };
			continue;
		}
		if (sp >= PF_MAX_STACK)
			return DK_E_FORMAT;
		uint64_t v;
		if ((t[0] >= '0' && t[0] <= '9') || (t[0] == '-' && tl > 1)) {
			if (!pf_number(t, tl, e->mask, &v))
				return DK_E_FORMAT;
			st[sp++] = (pf_item){ false, NULL, 0, v };
		} else {
			st[sp++] = (pf_item){ true, t, tl, 0 };
		}
	}
	if (sp > 0) {
		if (!pf_value(e, &st[sp - 1], top))
			return DK_E_FORMAT;
		*have_top = true;
	}
	return DK_OK;
}

static void pf_init(pf_env *e, unsigned width, const dk_vmem *mem)
{
	memset(e, 0, sizeof *e);
	e->width = width == 4 ? 4 : 8;
	e->mask = e->width == 4 ? 0xFFFFFFFFull : UINT64_MAX;
	e->mem = mem;
}

dk_status dk_postfix_eval(const char *program, unsigned width, const dk_vmem *mem,
                          const char **vars, uint64_t *values, size_t n, uint64_t *result)
{
	if (!program || (n && (!vars || !values)))
		return DK_E_ARG;
	pf_env e;
	pf_init(&e, width, mem);
	e.vars = vars;
	e.values = values;
	e.n = n;
	uint64_t top = 0;
	bool have = false;
	dk_status st = pf_run(&e, program, strlen(program), &top, &have);
	if (st != DK_OK)
		return st;
	if (result) {
		if (!have)
			return DK_E_RANGE;
		*result = top;
	}
	return DK_OK;
}

/* ---- register names used in the CFI and WIN programs ---- */
static const char *const x86_names[] = {
	"$eax", "$ecx", "$edx", "$ebx", "$esp", "$ebp", "$esi", "$edi", "$eip", "$eflags"
};
static const char *const amd64_names[] = {
	"$rax", "$rcx", "$rdx", "$rbx", "$rsp", "$rbp", "$rsi", "$rdi", "$r8", "$r9",
	"$r10", "$r11", "$r12", "$r13", "$r14", "$r15", "$rip", "$eflags"
};
static const char *const arm64_names[] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
	"x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24",
	"x25", "x26", "x27", "x28", "x29", "x30", "sp", "pc", "cpsr"
};

size_t dk_sf_reg_names(dk_arch arch, const char *const **names)
{
	switch (arch) {
	case DK_ARCH_X86: *names = x86_names; return sizeof x86_names / sizeof *x86_names;
	case DK_ARCH_AMD64: *names = amd64_names; return sizeof amd64_names / sizeof *amd64_names;
	case DK_ARCH_ARM64: *names = arm64_names; return sizeof arm64_names / sizeof *arm64_names;
	default: *names = NULL; return 0;
	}
}

/* Register number for a name as a CFI rule writes it ("$rbx", "x29", "fp",
 * "lr"; a leading '$' is optional on ARM64), or -1. */
static int reg_by_name(dk_arch arch, const char *nm, size_t len)
{
	const char *const *names;
	size_t n = dk_sf_reg_names(arch, &names);
	for (size_t i = 0; i < n; i++)
		if (tok_eq(nm, len, names[i]))
			return (int)i;
	if (arch == DK_ARCH_ARM64) {
		if (len > 1 && nm[0] == '$')
			return reg_by_name(arch, nm + 1, len - 1);
		if (tok_eq(nm, len, "fp")) return DK_ARM64_FP;
		if (tok_eq(nm, len, "lr")) return DK_ARM64_LR;
	}
	return -1;
}

/* Callee-saved registers kept when the rules do not mention them (breakpad
 * stackwalker_{x86,amd64,arm64}.cc register maps). */
uint64_t dk_sf_callee_saved(dk_arch arch)
{
	switch (arch) {
	case DK_ARCH_X86:
		return 1ull << DK_X86_EBX | 1ull << DK_X86_EBP | 1ull << DK_X86_ESI | 1ull << DK_X86_EDI;
	case DK_ARCH_AMD64:
		return 1ull << DK_AMD64_RBX | 1ull << DK_AMD64_RBP | 1ull << DK_AMD64_R12 |
		       1ull << DK_AMD64_R13 | 1ull << DK_AMD64_R14 | 1ull << DK_AMD64_R15;
	case DK_ARCH_ARM64: {
		uint64_t m = 0;
		for (int i = 19; i <= 29; i++)
			m |= 1ull << i;
		return m;
	}
	default: return 0;
	}
}

static unsigned arch_width(dk_arch a)
{
	return a == DK_ARCH_X86 ? 4 : 8;
}

/* Loads the valid registers of `r` as variables named as `arch` names them. */
static void env_regs(pf_env *e, const dk_regs *r, const char **names_out, uint64_t *vals)
{
	const char *const *names;
	size_t n = dk_sf_reg_names(r->arch, &names);
	if (n > DK_MAX_REGS)
		n = DK_MAX_REGS;
	for (size_t i = 0; i < n; i++) {
		names_out[i] = (r->valid >> i & 1) ? names[i] : NULL;
		vals[i] = r->r[i];
	}
	e->vars = names_out;
	e->values = vals;
	e->n = n;
}

/* ---- STACK CFI ----
 * Facts: breakpad src/processor/cfi_frame_info.cc — the INIT rules, then
 * every delta record at or below the address, in order, each rule replacing
 * the one for the same register; .cfa is computed first and is a variable
 * of the others; .ra is the caller's pc and .cfa its stack pointer. */
#define CFI_MAX_RULES 48
typedef struct cfi_rule { const char *name; size_t nlen; const char *expr; size_t elen; } cfi_rule;

static bool cfi_add_rules(cfi_rule *rules, size_t *n, const char *text)
{
	const char *p = text;
	const char *cur_name = NULL, *expr = NULL;
	size_t cur_len = 0;
	for (size_t guard = 0; guard < 4096; guard++) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *t = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t tl = (size_t)(p - t);
		bool is_name = tl > 1 && t[tl - 1] == ':';
		if (tl == 0 || is_name) {
			if (cur_name) {
				size_t elen = (size_t)(t - expr);
				while (elen && (expr[elen - 1] == ' ' || expr[elen - 1] == '\t'))
					elen--;
				if (elen == 0)
					return false;
				size_t k;
				for (k = 0; k < *n; k++)
					if (rules[k].nlen == cur_len && memcmp(rules[k].name, cur_name, cur_len) == 0)
						break;
				if (k == *n) {
					if (*n >= CFI_MAX_RULES)
						return false;
					(*n)++;
				}
				rules[k] = (cfi_rule){ cur_name, cur_len, expr, elen };
			}
			if (tl == 0)
				return true;
			cur_name = t;
			cur_len = tl - 1;
			expr = p;
		} else if (!cur_name) {
			return false; /* an expression without a register name */
		}
	}
	return false;
}

dk_status dk_symfile_unwind_cfi(const dk_symfile *s, uint64_t rva, const dk_regs *callee,
                                const dk_vmem *mem, dk_regs *caller)
{
	if (!s || !callee || !caller)
		return DK_E_ARG;
	ptrdiff_t ci;
	LAST_LE(s->cfis, s->ncfis, addr, rva, ci);
	if (ci < 0 || !contains(s->cfis[ci].addr, s->cfis[ci].size, rva))
		return DK_E_RANGE;
	const sf_cfi *c = &s->cfis[ci];
	cfi_rule rules[CFI_MAX_RULES];
	size_t nr = 0;
	if (!cfi_add_rules(rules, &nr, c->rules))
		return DK_E_FORMAT;
	for (size_t i = 0; i < c->ndelta && c->first_delta + i < s->ndeltas; i++) {
		const sf_delta *d = &s->deltas[c->first_delta + i];
		if (d->addr <= rva && d->addr >= c->addr && !cfi_add_rules(rules, &nr, d->rules))
			return DK_E_FORMAT;
	}
	pf_env e;
	pf_init(&e, arch_width(callee->arch), mem);
	const char *names[DK_MAX_REGS + 1];
	uint64_t vals[DK_MAX_REGS + 1];
	env_regs(&e, callee, names, vals);
	const cfi_rule *cfa = NULL, *ra = NULL;
	for (size_t i = 0; i < nr; i++) {
		if (tok_eq(rules[i].name, rules[i].nlen, ".cfa")) cfa = &rules[i];
		if (tok_eq(rules[i].name, rules[i].nlen, ".ra")) ra = &rules[i];
	}
	if (!cfa || !ra)
		return DK_E_FORMAT;
	uint64_t cfa_v, ra_v, v;
	bool have;
	if (pf_run(&e, cfa->expr, cfa->elen, &cfa_v, &have) != DK_OK || !have)
		return DK_E_FORMAT;
	if (!pf_assign(&e, ".cfa", 4, cfa_v))
		return DK_E_FORMAT;
	if (pf_run(&e, ra->expr, ra->elen, &ra_v, &have) != DK_OK || !have)
		return DK_E_FORMAT;
	dk_regs out;
	memset(&out, 0, sizeof out);
	out.arch = callee->arch;
	out.valid = callee->valid & dk_sf_callee_saved(callee->arch);
	for (int i = 0; i < DK_MAX_REGS; i++)
		if (out.valid >> i & 1)
			out.r[i] = callee->r[i];
	for (size_t i = 0; i < nr; i++) {
		if (&rules[i] == cfa || &rules[i] == ra)
			continue;
		int reg = reg_by_name(callee->arch, rules[i].name, rules[i].nlen);
		if (reg < 0)
			continue; /* a register we do not track */
		if (pf_run(&e, rules[i].expr, rules[i].elen, &v, &have) != DK_OK || !have) {
			out.valid &= ~(1ull << reg); /* unrecoverable: unknown, not fatal */
			continue;
		}
		out.r[reg] = v;
		out.valid |= 1ull << reg;
	}
	int pc, sp;
	switch (callee->arch) {
	case DK_ARCH_X86: pc = DK_X86_EIP; sp = DK_X86_ESP; break;
	case DK_ARCH_AMD64: pc = DK_AMD64_RIP; sp = DK_AMD64_RSP; break;
	case DK_ARCH_ARM64: pc = DK_ARM64_PC; sp = DK_ARM64_SP; break;
	default: return DK_E_UNSUPPORTED;
	}
	out.r[pc] = ra_v;
	out.r[sp] = cfa_v;
	out.valid |= 1ull << pc | 1ull << sp;
	*caller = out;
	return DK_OK;
}

/* ---- STACK WIN (x86) ----
 * Facts: breakpad src/processor/stackwalker_x86.cc
 * GetCallerByWindowsFrameInfo: .raSearchStart = esp + .cbCalleeParams +
 * .cbLocals + .cbSavedRegs, adjusted by a 3-word return address scan; the
 * FPO system call special case; default programs when a record has none;
 * with '@' (alignment) in the program, .raSearchStart = ebp + 4; a rescue
 * scan when the resulting eip does not look valid. */
static bool win_scan(const dk_vmem *mem, const dk_win_params *p, uint32_t start,
                     unsigned words, uint32_t *loc, uint32_t *val)
{
	if (!p || !p->valid_ra)
		return false;
	for (unsigned i = 0; i < words; i++) {
		uint32_t a = start + 4u * i;
		uint8_t b[4];
		if (a < start || mem->read(mem->ctx, a, b, 4) != DK_OK)
			return false;
		uint32_t v = dk_le32(b);
		if (p->valid_ra(p->arg, v)) {
			*loc = a;
			*val = v;
			return true;
		}
	}
	return false;
}

dk_status dk_symfile_unwind_win(const dk_symfile *s, uint64_t rva, const dk_regs *callee,
                                const dk_vmem *mem, const dk_win_params *p, dk_regs *caller)
{
	if (!s || !callee || !caller || !mem || !mem->read)
		return DK_E_ARG;
	if (callee->arch != DK_ARCH_X86)
		return DK_E_UNSUPPORTED;
	dk_win_record w;
	if (!dk_symfile_win_info(s, rva, &w))
		return DK_E_RANGE;
	const uint64_t need = 1ull << DK_X86_ESP | 1ull << DK_X86_EIP;
	if ((callee->valid & need) != need)
		return DK_E_ARG;
	uint32_t esp = (uint32_t)callee->r[DK_X86_ESP];
	uint32_t ebp = (uint32_t)callee->r[DK_X86_EBP];
	bool ebp_valid = callee->valid >> DK_X86_EBP & 1;
	uint32_t callee_params = p ? p->callee_param_size : 0;
	uint32_t ra_start = esp + callee_params + w.locals_size + w.saved_regs_size;
	uint32_t old = ra_start, found = 0, loc = 0;
	if (win_scan(mem, p, ra_start, 3, &loc, &found)) {
		ra_start = loc;
		if (p->context_frame && w.type == 0 && loc == old &&
		    found == (uint32_t)callee->r[DK_X86_EIP]) {
			/* an FPO system call: the return address of the finished
			 * callee is still on the top of the stack */
			ra_start += 4;
			if (win_scan(mem, p, ra_start, 3, &loc, &found))
				ra_start = loc;
		}
	}
	const char *prog;
	bool recover_ebp = true;
	if (w.has_program) {
		prog = w.program;
	} else if (w.allocates_base_pointer) {
		prog = "$eip .raSearchStart ^ = $ebp $esp .cbCalleeParams + .cbSavedRegs + 8 - ^ = "
		       "$esp .raSearchStart 4 + =";
	} else {
		prog = "$eip .raSearchStart ^ = $esp .raSearchStart 4 + =";
		recover_ebp = false;
	}
	if (ebp_valid && strchr(prog, '@'))
		ra_start = ebp + 4;

	enum { V_EBP, V_ESP, V_EBX, V_ESI, V_EDI, V_EIP, V_CALLEE, V_SAVED, V_LOCALS,
	       V_RASS, V_RAS, V_PARAMS, NV };
	const char *names[NV] = {
		ebp_valid ? "$ebp" : NULL, "$esp",
		(callee->valid >> DK_X86_EBX & 1) ? "$ebx" : NULL,
		(callee->valid >> DK_X86_ESI & 1) ? "$esi" : NULL,
		(callee->valid >> DK_X86_EDI & 1) ? "$edi" : NULL,
		NULL, ".cbCalleeParams", ".cbSavedRegs", ".cbLocals", ".raSearchStart",
		".raSearch", ".cbParams"
	};
	uint64_t vals[NV] = {
		ebp, esp, (uint32_t)callee->r[DK_X86_EBX], (uint32_t)callee->r[DK_X86_ESI],
		(uint32_t)callee->r[DK_X86_EDI], 0, callee_params, w.saved_regs_size,
		w.locals_size, ra_start, ra_start, w.param_size
	};
	pf_env e;
	pf_init(&e, 4, mem);
	e.vars = names;
	e.values = vals;
	e.n = NV;
	uint64_t top;
	bool have;
	if (pf_run(&e, prog, strlen(prog), &top, &have) != DK_OK)
		return DK_E_FORMAT;
	uint64_t eip, nesp, nebp = ebp, v;
	if (!pf_lookup(&e, "$eip", 4, &eip) || !pf_lookup(&e, "$esp", 4, &nesp))
		return DK_E_FORMAT;
	/* "$eip" is not a variable before the program runs, so it is found
	 * only when the program assigned it */
	dk_regs out;
	memset(&out, 0, sizeof out);
	out.arch = DK_ARCH_X86;
	if (pf_lookup(&e, "$ebp", 4, &v)) {
		nebp = v;
		out.valid |= 1ull << DK_X86_EBP;
	} else if (ebp_valid) {
		out.valid |= 1ull << DK_X86_EBP;
	}
	static const int keep[] = { DK_X86_EBX, DK_X86_ESI, DK_X86_EDI };
	static const char *const keep_names[] = { "$ebx", "$esi", "$edi" };
	for (int i = 0; i < 3; i++)
		if (pf_lookup(&e, keep_names[i], 4, &v)) {
			out.r[keep[i]] = v & 0xFFFFFFFFu;
			out.valid |= 1ull << keep[i];
		}
	/* rescue: breakpad scans from .raSearchStart when the program's eip does
	 * not look like code (wrong debug data for some MSVC /LTCG frames) */
	if (p && p->valid_ra && !p->valid_ra(p->arg, eip)) {
		unsigned words = p->context_frame ? 160 : 40;
		if (!win_scan(mem, p, ra_start, words, &loc, &found))
			return DK_E_FORMAT;
		eip = found;
		nesp = (uint64_t)loc + 4;
		if (recover_ebp && loc >= 8) {
			uint8_t b[4];
			/* the saved ebp sits below the return address in frames
			 * that push it; keep the program's value when unreadable */
			if (mem->read(mem->ctx, loc - 4, b, 4) == DK_OK && dk_le32(b) > loc)
				nebp = dk_le32(b);
		}
	}
	out.r[DK_X86_EIP] = eip & 0xFFFFFFFFu;
	out.r[DK_X86_ESP] = nesp & 0xFFFFFFFFu;
	out.r[DK_X86_EBP] = nebp & 0xFFFFFFFFu;
	out.valid |= 1ull << DK_X86_EIP | 1ull << DK_X86_ESP;
	*caller = out;
	return DK_OK;
}

/* ---- finding files: DIR/<debug_file>/<debug_id>/<debug_file minus .pdb>.sym ---- */
static const char *base_name(const char *p)
{
	const char *b = p;
	for (const char *q = p; *q; q++)
		if (*q == '/' || *q == '\\')
			b = q + 1;
	return b;
}

dk_status dk_symfile_find(const char *dir, const dk_module *m, dk_symfile **out, dk_error *err)
{
	*out = NULL;
	if (!dir || !m) {
		dk_set_error(err, DK_E_ARG, "symbol lookup: no directory or module");
		return DK_E_ARG;
	}
	const char *df = m->debug_file ? base_name(m->debug_file) : NULL;
	if (!df || !*df)
		df = m->name ? base_name(m->name) : NULL;
	if (!df || !*df || !m->debug_id || !*m->debug_id) {
		dk_set_error(err, DK_E_RANGE, "symbol lookup: module %s has no debug file or id",
		             m->name ? m->name : "?");
		return DK_E_RANGE;
	}
	if (strstr(df, "..") || strchr(m->debug_id, '/') || strstr(m->debug_id, "..")) {
		dk_set_error(err, DK_E_RANGE, "symbol lookup: refusing path parts in %s / %s", df,
		             m->debug_id);
		return DK_E_RANGE;
	}
	char stem[256];
	dk_strlcpy(stem, df, sizeof stem);
	size_t sl = strlen(stem);
	if (sl > 4 && (strcmp(stem + sl - 4, ".pdb") == 0 || strcmp(stem + sl - 4, ".PDB") == 0))
		stem[sl - 4] = '\0';
	char path[4096];
	/* breakpad's SimpleSymbolSupplier tries the name as recorded; we also
	 * try the upper-case id, since ids are written either way */
	for (int attempt = 0; attempt < 2; attempt++) {
		char id[128];
		dk_strlcpy(id, m->debug_id, sizeof id);
		for (char *q = id; *q && attempt; q++)
			if (*q >= 'a' && *q <= 'f')
				*q = (char)(*q - 'a' + 'A');
		int n = snprintf(path, sizeof path, "%s/%s/%s/%s.sym", dir, df, id, stem);
		if (n < 0 || (size_t)n >= sizeof path)
			break;
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		fclose(f);
		return dk_symfile_load(path, out, err);
	}
	dk_set_error(err, DK_E_RANGE, "symbol lookup: no %s/%s/%s/%s.sym", dir, df, m->debug_id, stem);
	return DK_E_RANGE;
}
