// tpool: a native thread pool for blocking calls (being written).
#pragma once
