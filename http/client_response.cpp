#include "client_response.hpp"

#include <algorithm>

#include "detail/body_reader.hpp"

namespace eventlet::http {

client_response::client_response(response_head head, http::url u,
                                 std::unique_ptr<detail::body_reader> body)
    : head_(std::move(head)), url_(std::move(u)), body_(std::move(body)) {}

client_response::client_response(client_response&&) noexcept = default;
client_response& client_response::operator=(client_response&&) noexcept = default;
client_response::~client_response() = default;

std::string client_response::read(std::size_t max) {
  std::string out;
  if (max > 0) body_->read(out, max, true);
  return out;
}

std::string client_response::read_all(std::size_t max) {
  if (body_->length() >= 0 && std::uint64_t(body_->length()) > max) {
    body_->release();
    throw client_error("http: the body of " + url_.to_string() + " is " +
                       std::to_string(body_->length()) + " bytes, more than the " +
                       std::to_string(max) + " allowed");
  }
  std::string out;
  while (!body_->done()) {
    body_->read(out, std::min<std::size_t>(max - std::min(max, out.size()), 64 * 1024) + 1, true);
    if (out.size() > max) {
      body_->release();
      throw client_error("http: the body of " + url_.to_string() + " is longer than the " +
                         std::to_string(max) + " bytes allowed");
    }
  }
  return out;
}

bool client_response::done() const noexcept { return body_->done(); }

const http::headers& client_response::trailers() const noexcept { return body_->trailers(); }

void client_response::close() noexcept { body_->release(); }

}  // namespace eventlet::http
