// SPDX-License-Identifier: GPL-2.0
/*
 * One print path for text and JSON (see output.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "output.h"

/* Nesting deeper than this is a bug of the caller */
#define OUT_DEPTH	8

static struct {
	bool json;
	bool pretty;
	json_object *root;	/* a show's array, or NULL: streaming */
	bool lines;		/* streaming: a line each, else commas */
	unsigned long streamed;
	int depth;
	json_object *stack[OUT_DEPTH];
} out;

void out_init(bool json, bool pretty)
{
	out.json = json;
	out.pretty = pretty;
}

bool out_json(void)
{
	return out.json;
}

/* Where everything goes */
static FILE *out_file(void)
{
	return stdout;
}

static int json_flags(bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (pretty)
		return flags | JSON_C_TO_STRING_PRETTY |
		       JSON_C_TO_STRING_SPACED;
	return flags | JSON_C_TO_STRING_PLAIN;
}

static void out_drop_stack(void)
{
	/* objects below the first are owned by their parents */
	if (out.depth && !out.root)
		json_object_put(out.stack[0]);
	out.depth = 0;
}

void out_array_begin(void)
{
	out_drop_stack();
	if (out.json)
		out.root = json_object_new_array();
}

void out_array_end(bool print)
{
	if (!out.root)
		return;
	if (print)
		fprintf(out_file(), "%s\n",
			json_object_to_json_string_ext(out.root,
						       json_flags(out.pretty)));
	out.depth = 0;
	json_object_put(out.root);
	out.root = NULL;
}

void out_stream_begin(bool lines)
{
	out_drop_stack();
	out.lines = lines;
	out.streamed = 0;
}

void out_stream_end(void)
{
	out_drop_stack();
}

/* A top-level object is complete: written now if streaming */
static void out_emit(json_object *o)
{
	FILE *fp = out_file();

	if (out.root)
		return;
	if (out.lines) {
		fprintf(fp, "%s\n", json_object_to_json_string_ext(o,
			json_flags(false)));
	} else {
		fprintf(fp, "%s%s", out.streamed ? "," : "",
			json_object_to_json_string_ext(o, json_flags(false)));
	}
	out.streamed++;
	json_object_put(o);
}

/* Add @o under @key to the innermost container, or at the top level */
static void out_push(const char *key, json_object *o)
{
	if (out.depth == OUT_DEPTH) {
		/* a caller's bug; keep the output well-formed regardless */
		json_object_put(o);
		return;
	}
	if (out.depth) {
		json_object *parent = out.stack[out.depth - 1];

		if (json_object_is_type(parent, json_type_array))
			json_object_array_add(parent, o);
		else
			json_object_object_add(parent, key ? key : "?", o);
	} else if (out.root) {
		json_object_array_add(out.root, o);
	}
	out.stack[out.depth++] = o;
}

static void out_pop(void)
{
	json_object *o;

	if (!out.depth)
		return;
	o = out.stack[--out.depth];
	if (!out.depth)
		out_emit(o);
}

void open_json_object(const char *key)
{
	if (out.json)
		out_push(key, json_object_new_object());
}

void close_json_object(void)
{
	if (out.json)
		out_pop();
}

void open_json_array(const char *key)
{
	if (out.json)
		out_push(key, json_object_new_array());
}

void close_json_array(void)
{
	if (out.json)
		out_pop();
}

/* Put @val (a new json-c value) under @key in the innermost container */
static void out_add(const char *key, json_object *val)
{
	json_object *parent;

	if (!out.depth) {
		json_object_put(val);
		return;
	}
	parent = out.stack[out.depth - 1];
	if (json_object_is_type(parent, json_type_array))
		json_object_array_add(parent, val);
	else if (key)
		json_object_object_add(parent, key, val);
	else
		json_object_put(val);
}

static bool want_json(enum output_type t)
{
	return out.json && (t & PRINT_JSON);
}

static bool want_text(enum output_type t, const char *fmt)
{
	return !out.json && (t & PRINT_FP) && fmt;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val)
{
	if (!val)
		return;
	if (want_json(t))
		out_add(key, json_object_new_string(val));
	else if (want_text(t, fmt))
		fprintf(out_file(), fmt, val);
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int val)
{
	if (want_json(t))
		out_add(key, json_object_new_uint64(val));
	else if (want_text(t, fmt))
		fprintf(out_file(), fmt, val);
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t val)
{
	if (want_json(t))
		out_add(key, json_object_new_uint64(val));
	else if (want_text(t, fmt))
		fprintf(out_file(), fmt, val);
}

void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool val)
{
	if (want_json(t))
		out_add(key, json_object_new_boolean(val));
	else if (want_text(t, fmt))
		fprintf(out_file(), fmt, val ? "on" : "off");
}

void print_flag(enum output_type t, const char *key, const char *fmt,
		bool val)
{
	if (want_json(t))
		out_add(key, json_object_new_boolean(val));
	else if (want_text(t, fmt) && val)
		fputs(fmt, out_file());
}

void print_decimal(enum output_type t, const char *key, const char *fmt,
		   double val, const char *repr)
{
	if (want_json(t))
		out_add(key, json_object_new_double_s(val, repr));
	else if (want_text(t, fmt))
		fprintf(out_file(), fmt, repr);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vfprintf(out_file(), fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!out.json)
		fputc('\n', out_file());
}

#define TABLE_COLS	80

void print_counter_table(const char *indent, const char *label,
			 const char *const *names, const uint64_t *vals,
			 unsigned int n)
{
	int lead = strlen(indent) + strlen(label);
	FILE *fp = out_file();
	unsigned int i = 0;

	if (out.json)
		return;
	while (i < n) {
		char vbuf[TABLE_COLS * 2];
		int col = lead, vlen = 0;
		unsigned int j;

		fprintf(fp, "%s%-*s", indent, (int)strlen(label),
			i ? "" : label);
		/* as many columns as fit: at least one a line */
		for (j = i; j < n; j++) {
			char num[24];
			int w;

			snprintf(num, sizeof(num), "%" PRIu64, vals[j]);
			w = strlen(names[j]);
			if ((int)strlen(num) > w)
				w = strlen(num);
			if (j > i && col + 1 + w > TABLE_COLS)
				break;
			fprintf(fp, " %*s", w, names[j]);
			vlen += snprintf(vbuf + vlen, sizeof(vbuf) - vlen,
					 " %*s", w, num);
			if (vlen >= (int)sizeof(vbuf))
				vlen = sizeof(vbuf) - 1;
			col += 1 + w;
		}
		fprintf(fp, "\n%*s%s\n", lead, "", vbuf);
		i = j;
	}
}
