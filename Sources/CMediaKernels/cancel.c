#include "mk_cancel.h"

#include <stdatomic.h>
#include <stdlib.h>

struct mk_cancel {
    atomic_int raised;
};

mk_cancel *mk_cancel_create(void) {
    mk_cancel *flag = malloc(sizeof *flag);
    if (flag) atomic_init(&flag->raised, 0);
    return flag;
}

void mk_cancel_free(mk_cancel *flag) { free(flag); }

void mk_cancel_raise(mk_cancel *flag) { atomic_store_explicit(&flag->raised, 1, memory_order_release); }

int mk_cancel_is_raised(const mk_cancel *flag) {
    return flag && atomic_load_explicit(&flag->raised, memory_order_acquire);
}
