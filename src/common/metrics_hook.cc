#include "subkeeper/common/metrics_hook.h"

#include <atomic>

namespace subkeeper::metrics {
namespace {

Hook g_none;
std::atomic<Hook*> g_hook{&g_none};

}  // namespace

Hook& Current() { return *g_hook.load(std::memory_order_acquire); }

void Install(Hook* hook) {
  g_hook.store(hook != nullptr ? hook : &g_none, std::memory_order_release);
}

}  // namespace subkeeper::metrics
