#include "headers.hpp"

#include <stdexcept>

#include "detail/syntax.hpp"

namespace eventlet::http {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (detail::lower(a[i]) != detail::lower(b[i])) return false;
  return true;
}

namespace {

void check_field(std::string_view name, std::string_view value) {
  if (!detail::is_token(name))
    throw std::invalid_argument("http::headers: \"" + std::string(name) +
                                "\" is not a valid field name");
  for (const char c : value)
    if (!detail::value_chars[static_cast<unsigned char>(c)])
      throw std::invalid_argument("http::headers: the value of " + std::string(name) +
                                  " holds a control byte (CR, LF, NUL, ...)");
  if (!value.empty() && (detail::is_space(value.front()) || detail::is_space(value.back())))
    throw std::invalid_argument("http::headers: the value of " + std::string(name) +
                                " starts or ends with whitespace");
}

}  // namespace

void headers::append(std::string_view name, std::string_view value) {
  if (storage_.size() + name.size() + value.size() > UINT32_MAX)
    throw std::length_error("http::headers: more than 4 GiB of fields");
  const std::size_t at = storage_.size();
  storage_.append(name);
  storage_.append(value);
  refs_.push_back({std::uint32_t(at), std::uint32_t(name.size()), std::uint32_t(at + name.size()),
                   std::uint32_t(value.size())});
}

void headers::add(std::string_view name, std::string_view value) {
  check_field(name, value);
  append(name, value);
}

void headers::set(std::string_view name, std::string_view value) {
  check_field(name, value);
  erase(name);
  append(name, value);
}

std::size_t headers::erase(std::string_view name) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < refs_.size(); ++i) {
    const ref r = refs_[i];
    if (iequals({storage_.data() + r.name, r.name_size}, name))
      garbage_ += r.name_size + r.value_size;
    else
      refs_[kept++] = r;
  }
  const std::size_t erased = refs_.size() - kept;
  refs_.resize(kept);
  if (garbage_ > 4096 && garbage_ > storage_.size() / 2) {  // compact: set() in a loop
    headers fresh;
    fresh.storage_.reserve(storage_.size() - garbage_);
    for (const field f : *this) fresh.append(f.name, f.value);
    *this = std::move(fresh);
  }
  return erased;
}

void headers::clear() noexcept {
  storage_.clear();
  refs_.clear();
  garbage_ = 0;
}

std::optional<std::string_view> headers::get(std::string_view name) const noexcept {
  for (const field f : *this)
    if (iequals(f.name, name)) return f.value;
  return std::nullopt;
}

std::vector<std::string_view> headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const field f : *this)
    if (iequals(f.name, name)) values.push_back(f.value);
  return values;
}

std::size_t headers::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for (const field f : *this) n += iequals(f.name, name);
  return n;
}

bool headers::has_token(std::string_view name, std::string_view token) const noexcept {
  bool found = false;
  for (const field f : *this)
    if (iequals(f.name, name))
      detail::for_each_element(f.value, [&](std::string_view e) { found |= iequals(e, token); });
  return found;
}

void headers::append_to(std::string& out) const {
  for (const field f : *this) {
    out.append(f.name);
    out.append(": ");
    out.append(f.value);
    out.append("\r\n");
  }
}

void headers::adopt(std::string_view bytes, std::size_t fields) {
  storage_.assign(bytes);
  refs_.clear();
  refs_.reserve(fields);
  garbage_ = 0;
}

void headers::add_parsed(std::size_t name, std::size_t name_size, std::size_t value,
                         std::size_t value_size) {
  refs_.push_back({std::uint32_t(name), std::uint32_t(name_size), std::uint32_t(value),
                   std::uint32_t(value_size)});
}

}  // namespace eventlet::http
