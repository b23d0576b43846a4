// headers: the fields of an HTTP message, in the order they came or were added, looked up by
// name without regard to case; a name may repeat (Set-Cookie, Via, ...).
//
//   http::headers h;
//   h.add("Content-Type", "text/plain");
//   h.add("Set-Cookie", "a=1");
//   h.add("Set-Cookie", "b=2");
//   h.get("content-type");        // "text/plain"
//   h.get_all("set-cookie");      // {"a=1", "b=2"}
//   for (auto [name, value] : h) ...
//
// Names and values are stored once, in one buffer: parsing a message copies its head once and
// keeps offsets into it, and looking up returns views into that buffer, valid until the
// headers are changed or destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"

namespace eventlet::http {

namespace detail {
struct parsed_fields;
}

// A field: its name as it was written, and its value without surrounding whitespace.
struct field {
  std::string_view name;
  std::string_view value;
};

class EVENTLET_API headers {
  struct ref {
    std::uint32_t name, name_size, value, value_size;
  };

 public:
  class iterator {
   public:
    using value_type = field;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    field operator*() const { return owner_->at(i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator&) const = default;

   private:
    friend class headers;
    iterator(const headers* owner, std::size_t i) : owner_(owner), i_(i) {}
    const headers* owner_ = nullptr;
    std::size_t i_ = 0;
  };

  // add() appends a field. Throws std::invalid_argument if `name` is not a token (RFC 9110:
  // letters, digits and !#$%&'*+-.^_`|~) or `value` holds a control byte (CR, LF, NUL, ...;
  // tabs are allowed) or starts or ends with whitespace: a header can never smuggle a line in.
  void add(std::string_view name, std::string_view value);
  // set() replaces every field named `name` with one; throws as add() does.
  void set(std::string_view name, std::string_view value);
  // erase() removes every field named `name`; returns how many there were.
  std::size_t erase(std::string_view name);
  // clear() removes every field.
  void clear() noexcept;

  // get() is the value of the first field named `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  // get_all() is the value of every field named `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  // count() is how many fields are named `name`.
  std::size_t count(std::string_view name) const noexcept;
  bool contains(std::string_view name) const noexcept { return count(name) != 0; }
  // has_token() tells whether a comma-separated list in the fields named `name` holds `token`,
  // without regard to case: has_token("Connection", "close").
  bool has_token(std::string_view name, std::string_view token) const noexcept;

  // at() is the i-th field (i < size()).
  field at(std::size_t i) const noexcept {
    const ref& r = refs_[i];
    return {{storage_.data() + r.name, r.name_size}, {storage_.data() + r.value, r.value_size}};
  }
  std::size_t size() const noexcept { return refs_.size(); }
  bool empty() const noexcept { return refs_.empty(); }
  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, refs_.size()}; }

  // append_to() writes every field as "Name: value\r\n" to `out`.
  void append_to(std::string& out) const;

 private:
  friend struct detail::parsed_fields;
  // The parser gives the head's bytes once (adopt: copied into the storage, whose capacity a
  // reused headers keeps), then each field as offsets into them.
  void adopt(std::string_view bytes, std::size_t fields);
  void add_parsed(std::size_t name, std::size_t name_size, std::size_t value,
                  std::size_t value_size);
  void append(std::string_view name, std::string_view value);

  std::string storage_;
  std::vector<ref> refs_;
  std::size_t garbage_ = 0;  // bytes of storage_ that erased fields held
};

// iequals() compares two ASCII strings without regard to case.
EVENTLET_API bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace eventlet::http
