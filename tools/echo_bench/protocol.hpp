// What passes between echo_bench and its load generators: the control bytes and the reports.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>

namespace echo_bench {

constexpr double window_seconds = 0.5;

// What goes over a generator's control socket. The generator says ready_byte (or failed_byte)
// once its connections are open; then, for each go_byte, it runs a window, says end_byte when
// the window closes and sends a window_report once the echoes in flight are back; quit_byte
// makes it close its connections, send a final_report and exit.
constexpr char ready_byte = 'R';
constexpr char failed_byte = 'F';
constexpr char go_byte = 'G';
constexpr char end_byte = 'E';
constexpr char quit_byte = 'Q';

struct window_report {
  std::uint64_t round_trips = 0;  // completed within the window
  double seconds = 0;             // the window's length
  double cpu = 0;                 // the generator's CPU seconds in it
};

struct final_report {
  std::uint64_t connected = 0;  // connections that did their first round trip
  std::uint64_t errors = 0;     // failed connections and wrong echoes
  std::uint64_t lost = 0;       // echoes that never came
  char first_error[160] = "";
};

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Sends `data` on a control socket; false if the other side is gone.
template <typename T>
bool send_control(int fd, const T& data) {
  return send(fd, &data, sizeof data, MSG_NOSIGNAL) == sizeof data;
}

}  // namespace echo_bench
