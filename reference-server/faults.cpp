// The fault table, expanded from faults.def.
#include "faults.h"

namespace refserver {

const std::vector<FaultInfo>& fault_table() {
  static const std::vector<FaultInfo> table = {
#define FAULT(enumerator, name, rule, misbehaviour) {Fault::enumerator, name, rule, misbehaviour},
#include "faults.def"
#undef FAULT
  };
  return table;
}

std::optional<Fault> fault_from_name(std::string_view name) {
  for (const FaultInfo& info : fault_table())
    if (info.name == name) return info.fault;
  return std::nullopt;
}

std::string_view fault_name(Fault fault) {
  // The enum and the table come from the same list, in the same order.
  return fault_table().at(static_cast<size_t>(fault)).name;
}

} // namespace refserver
