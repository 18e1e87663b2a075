// The deliberate faults the reference server can switch on, one per `--fault NAME`, as an enum
// and a table, both expanded from the one list in faults.def.
// The harness self-check turns each on in turn and expects exactly the mapped requirements to
// change, so every fault must stay surgical.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace refserver {

enum class Fault {
#define FAULT(enumerator, name, rule, misbehaviour) enumerator,
#include "faults.def"
#undef FAULT
};

struct FaultInfo {
  Fault fault;
  std::string_view name;         // the `--fault` spelling
  std::string_view rule;         // what the clean server keeps, with its section
  std::string_view misbehaviour; // what the server does instead when the fault is on
};

// Every fault, in declaration order.
const std::vector<FaultInfo>& fault_table();

std::optional<Fault> fault_from_name(std::string_view name);
std::string_view fault_name(Fault fault);

} // namespace refserver
