#include "common/error.h"

#include <ostream>

namespace rampart::common {

std::ostream& operator<<(std::ostream& out, Code code) { return out << WireName(code); }

}  // namespace rampart::common
