// What /proc says about processes, for tests that prove no child outlives its owner.
#pragma once

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/types.h>
#include <vector>

namespace conformance::testing_tools {

struct ProcessInfo {
  pid_t pid = 0, ppid = 0, group = 0;
  char state = '?';
  std::string name; // comm
};

inline std::vector<ProcessInfo> all_processes() {
  std::vector<ProcessInfo> out;
  DIR* proc = opendir("/proc");
  while (dirent* entry = proc ? readdir(proc) : nullptr) {
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    ProcessInfo p;
    p.pid = std::atoi(entry->d_name);
    p.name = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    rest >> p.state >> p.ppid >> p.group;
    out.push_back(p);
  }
  if (proc) closedir(proc);
  return out;
}

inline std::vector<ProcessInfo> children_of(pid_t parent) {
  std::vector<ProcessInfo> out;
  for (const ProcessInfo& p : all_processes())
    if (p.ppid == parent) out.push_back(p);
  return out;
}

// Whether any process (other than a zombie) is still in process group `group`.
inline bool group_alive(pid_t group) {
  for (const ProcessInfo& p : all_processes())
    if (p.group == group && p.state != 'Z') return true;
  return false;
}

} // namespace conformance::testing_tools
