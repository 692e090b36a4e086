/* align/ internals shared between its files: the small XML tree that
 * cascade_xml.c builds and cascade.c reads, and the number tokens of
 * OpenCV's FileStorage (doc/haar.md §2.1). Not installed. */
#ifndef GAN99_ALIGN_PRIVATE_H
#define GAN99_ALIGN_PRIVATE_H

#include "align.h"

/* One element. Children are linked by index (-1: none), so the tree is a
 * flat array and nothing recurses. text/text_len is the element's character
 * data (NULL when it has none but whitespace). */
typedef struct axml_node {
    const char *name;
    size_t name_len;
    const char *text;
    size_t text_len;
    size_t offset;     /* of the '<' that opens it, for line numbers in messages */
    int parent, first_child, last_child, next_sibling;
} axml_node;

typedef struct axml_doc {
    const char *src;
    size_t len;
    axml_node *nodes;  /* nodes[0] is the root element */
    int count, cap;
} axml_doc;

/* Parses src[0..len) into *doc (free it with axml_free). Errors name the
 * line; source (a file name or NULL) starts the message. */
int axml_parse(axml_doc *doc, const char *src, size_t len, const char *source, g99_error *err);
void axml_free(axml_doc *doc);
/* The 1-based line of a byte offset. */
int axml_line(const axml_doc *doc, size_t offset);
/* The first child of node called name, or -1. */
int axml_child(const axml_doc *doc, int node, const char *name);
/* 1 when node's name is name. */
int axml_is(const axml_doc *doc, int node, const char *name);
/* The number of child elements of node. */
int axml_child_count(const axml_doc *doc, int node);

/* A literal of an element's text as FileStorage reads it: a REAL when the
 * digits are followed by '.', 'e' or 'E' (parsed decimal -> double), else an
 * INT parsed as strtol(.., 0) would (0x hex, leading-0 octal). */
typedef struct axml_num {
    int is_real;
    double real;
    long integer;
} axml_num;

/* Splits node's text into at most max whitespace-separated numbers.
 * *count receives how many there are (which may exceed max: the caller
 * checks). Returns 0 or G99_EFORMAT with *bad set to the offending token. */
int axml_numbers(const axml_doc *doc, int node, axml_num *nums, int max, int *count, const char **bad,
                 size_t *bad_len);

#endif
