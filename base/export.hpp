// EVENTLET_API marks a class or function the shared library exports. Built with hidden
// visibility (meson.build, `hidden_visibility`), the library exports only what is so marked.
#pragma once

#define EVENTLET_API __attribute__((visibility("default")))
