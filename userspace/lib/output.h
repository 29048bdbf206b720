/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One print path for text and JSON, after iproute2's json_print: each
 * field is printed once, with the key it has in JSON and the format it has
 * in text; the mode chosen at start decides which of the two is written.
 *
 * JSON is built with json-c. The objects at the top level either go into
 * one array printed at the end (a show), or are written out one by one as
 * they are closed (a streamed dump, the monitor).
 */
#ifndef KVS_OUTPUT_H
#define KVS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum output_type {
	PRINT_FP	= 1,	/* text only */
	PRINT_JSON	= 2,	/* JSON only */
	PRINT_ANY	= 3,	/* both */
};

/* JSON (or text) and indentation, for the whole process */
void out_init(bool json, bool pretty);
bool out_json(void);

/* A show: the top-level objects are gathered into one array, printed by
 * out_array_end() (or dropped with @print false)
 */
void out_array_begin(void);
void out_array_end(bool print);

/* Streaming: each top-level object is written to stdout when it is
 * closed, on a line of its own (@lines: the monitor) or after a comma
 * (a dump whose caller writes the brackets)
 */
void out_stream_begin(bool lines);
void out_stream_end(void);

/* Containers; @key NULL inside an array or at the top level */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/* A field: @key in JSON (not written if NULL), @fmt in text (not written
 * if NULL); a NULL string @val is not printed at all
 */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *val);
void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int val);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       uint64_t val);
/* JSON true/false; text: @fmt with "on" or "off" */
void print_on_off(enum output_type t, const char *key, const char *fmt,
		  bool val);
/* JSON true/false; text: @fmt (no conversion) only if @val */
void print_flag(enum output_type t, const char *key, const char *fmt,
		bool val);
/* JSON a number written as @repr (e.g. "12.3"); text: @fmt with @repr */
void print_decimal(enum output_type t, const char *key, const char *fmt,
		   double val, const char *repr);
/* Text only */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_nl(void);

/* Counters as ip -s prints them: a line of names, each right-aligned
 * over its value on the line below, wrapped to stay within 80 columns.
 * @label starts the first name line ("RX:"), later lines are indented
 * as far. Text only.
 */
void print_counter_table(const char *indent, const char *label,
			 const char *const *names, const uint64_t *vals,
			 unsigned int n);

#endif /* KVS_OUTPUT_H */
