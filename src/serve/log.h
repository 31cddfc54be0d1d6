// maskd serve: JSON-lines logging to stderr. One line per event, written
// with a single write(2) so lines from different shards never interleave.
// Callers log sizes, kinds and offsets only: never payload bytes, header
// values or matched text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace maskd::app {

class log_line {
public:
  log_line(std::string_view level, std::string_view event);
  ~log_line(); // writes the line
  log_line(const log_line &) = delete;
  log_line &operator=(const log_line &) = delete;

  log_line &str(std::string_view key, std::string_view value);
  log_line &num(std::string_view key, uint64_t value);
  log_line &flag(std::string_view key, bool value);

private:
  std::string line_;
};

// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string *out, std::string_view s);

} // namespace maskd::app
