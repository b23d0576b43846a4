// EVENTLET_API marks a class or function the shared library exports. The library is built with
// hidden visibility (meson.build), so it exports only what is so marked: the public API, the
// exception types it throws, the classes with virtual functions, and the few `detail` functions
// and thread-locals that public inline code uses (tests/packaging/exported_detail.txt).
#pragma once

#define EVENTLET_API __attribute__((visibility("default")))
