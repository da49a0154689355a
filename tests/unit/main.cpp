// The unit tier: pure code only (no SimGrid, no child processes); see CMakeLists.txt.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
