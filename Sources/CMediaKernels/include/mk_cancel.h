#ifndef MK_CANCEL_H
#define MK_CANCEL_H

/*
 * A cancel flag shared between threads: raised from any thread (Swift's cancellation
 * handler), polled by the C work loop. The flag is a C11 atomic behind an opaque type, so no
 * caller can read or write it without going through these functions.
 */
typedef struct mk_cancel mk_cancel;

/* A lowered flag; NULL when out of memory. Free with mk_cancel_free. */
mk_cancel *mk_cancel_create(void);
void mk_cancel_free(mk_cancel *flag);

void mk_cancel_raise(mk_cancel *flag);
/* 1 once raised; a NULL flag is never raised. */
int mk_cancel_is_raised(const mk_cancel *flag);

#endif
