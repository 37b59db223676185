// Fixture: a test may include anything.
#include "high/high.h"
