// Fixture: the lower stage includes the upper one (a wrong-way include).
#include "high/high.h"
