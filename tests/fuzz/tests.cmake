# Fuzzing (issue 8, STYLE.md 17). Every target in tests/fuzz/fuzz_<name>.cpp defines
# LLVMFuzzerTestOneInput. In every build, fuzz_replay_<name> (the target + replay_main.cpp, the
# normal compiler, no libFuzzer) replays tests/fuzz/corpus/<name>/ as an ordinary ctest test
# (label "fuzz"). With -DBNN_FUZZ=ON and clang, fuzz_<name> is the libFuzzer binary; see
# scripts/fuzz.sh and tests/fuzz/README.md.
set(_bnn_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
set(BNN_FUZZ_TARGETS load_buffer json configure roundtrip api_sequence infer_load idx)
option(BNN_FUZZ "Build the libFuzzer targets (clang only)" OFF)

if(BNN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BNN_FUZZ=ON needs clang (CC=clang CXX=clang++)")
  endif()
  # Coverage feedback for the library itself, not only the harness.
  target_compile_options(bnn_objects PRIVATE -fsanitize=fuzzer-no-link)
endif()

foreach(_t IN LISTS BNN_FUZZ_TARGETS)
  add_executable(fuzz_replay_${_t} ${_bnn_fuzz_dir}/fuzz_${_t}.cpp ${_bnn_fuzz_dir}/replay_main.cpp)
  target_link_libraries(fuzz_replay_${_t} PRIVATE bnn_static)
  add_test(NAME fuzz.${_t}.corpus COMMAND fuzz_replay_${_t} ${_bnn_fuzz_dir}/corpus/${_t})
  set_tests_properties(fuzz.${_t}.corpus PROPERTIES LABELS fuzz TIMEOUT 300)
  if(BNN_FUZZ)
    add_executable(fuzz_${_t} ${_bnn_fuzz_dir}/fuzz_${_t}.cpp)
    target_link_libraries(fuzz_${_t} PRIVATE bnn_static)
    target_compile_options(fuzz_${_t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${_t} PRIVATE -fsanitize=fuzzer)
  endif()
endforeach()

# Seed corpus generator (run by hand: fuzz_make_seeds tests/fuzz/corpus).
add_executable(fuzz_make_seeds ${_bnn_fuzz_dir}/make_seeds.cpp)
target_link_libraries(fuzz_make_seeds PRIVATE bnn_static)
