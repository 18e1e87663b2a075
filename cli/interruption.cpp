#include "interruption.h"

#include <csignal>

namespace conformance {
namespace {

std::atomic<int> received_signal{0};
std::atomic<bool> requested{false};

extern "C" void record_interruption(int signo) {
  received_signal = signo;
  requested = true;
}

} // namespace

void install_interruption_handlers() {
  struct sigaction action {};
  action.sa_handler = record_interruption;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupting_signal() {
  return received_signal.load();
}

const std::atomic<bool>& interruption_requested() {
  return requested;
}

} // namespace conformance
