// A request inside the serving simulation: its spec and the timestamps it gathers.
#pragma once

#include <cstdint>

#include "workload/generator.h"

namespace stacksim {

struct Request {
  int64_t id = 0;
  RequestSpec spec;
  double first_token = -1;   // s; -1 until the prompt is done
  int64_t prefilled = 0;     // prompt tokens processed so far
  int64_t kv_reserved = 0;   // tokens of KV reserved at admission (prompt + output)
  int64_t join_step = 0;     // the instance step after which decoding started
  int64_t finish_step = 0;   // the instance step at whose end it completes
};

}  // namespace stacksim
