// green: cooperative sockets and I/O (being written).
#pragma once
