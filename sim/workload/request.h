// One request as a workload produces it, before the serving simulation sees it.
#pragma once

#include <cstdint>
#include <vector>

namespace stacksim {

struct RequestSpec {
  double arrival = 0;  // s
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int stream = 0;  // which stream of a mix it came from (index into Workload::streams; 0 otherwise)
  // The group it belongs to (-1: none): the session of a coding_sessions turn, the job of
  // a document_batch document.
  int64_t session = -1;
  // Hash ids of the prompt's full KV blocks (block_tokens each, see Workload), in order:
  // equal ids mean an identical prefix up to and including that block (Mooncake's
  // hash_ids). Empty when the workload carries no prefix information. Ids of different
  // teams, sessions and mix streams never collide.
  std::vector<uint64_t> blocks;
  // Leading prompt tokens whose KV an external store already holds (DeepSeek's on-disk
  // context cache): the prefill attends them but does not compute them.
  int64_t stored_prefix_tokens = 0;
};

}  // namespace stacksim
