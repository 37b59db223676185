// Fixture: the lower stage.
#include "low/low.h"
