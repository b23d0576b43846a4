#include "tpool.hpp"
