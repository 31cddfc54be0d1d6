// Names of core error kinds (stable: used in HTTP bodies, logs and metrics).
#include "core/masker.h"

namespace maskd::core {

std::string_view error_kind_name(error_kind kind) {
  switch (kind) {
  case error_kind::none:
    return "none";
  case error_kind::invalid_json:
    return "invalid_json";
  case error_kind::invalid_utf8:
    return "invalid_utf8";
  case error_kind::depth_limit:
    return "depth_limit";
  case error_kind::body_too_large:
    return "body_too_large";
  case error_kind::match_limit:
    return "match_limit";
  case error_kind::internal:
    return "internal";
  }
  return "internal";
}

} // namespace maskd::core
