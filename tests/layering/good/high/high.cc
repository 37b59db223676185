// Fixture: the upper stage includes the lower one (allowed).
#include "low/low.h"
#include "high/high.h"
