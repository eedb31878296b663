# Tests of the bnn tool (issue 5: recipes, sweeps, reports, datasets). They drive the CLI library
# in-process and the built `bnn` binary (sweeps fork it), on tiny synthetic datasets written into
# temporary folders, so that each test takes well under ten seconds.
if(TARGET bnn_cli_lib AND TARGET bnn_cli)
  file(GLOB BNN_CLI_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
  add_executable(bnn_cli_tests ${BNN_CLI_TEST_SOURCES})
  target_link_libraries(bnn_cli_tests PRIVATE bnn_cli_lib GTest::gtest_main)
  target_include_directories(bnn_cli_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(bnn_cli_tests PRIVATE BNN_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                             BNN_CLI_PATH="$<TARGET_FILE:bnn_cli>")
  add_dependencies(bnn_cli_tests bnn_cli)
  gtest_discover_tests(bnn_cli_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "unit;cli" TIMEOUT 60)
endif()
