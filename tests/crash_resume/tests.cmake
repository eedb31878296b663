# Crash-safe training runs (issue 8): the real `bnn` binary killed with SIGKILL mid-run and
# resumed with --resume must end exactly where an uninterrupted run ends.
if(BNN_BUILD_CLI AND UNIX)
  add_executable(crash_resume_test ${CMAKE_CURRENT_LIST_DIR}/kill_resume_test.cpp)
  target_link_libraries(crash_resume_test PRIVATE bnn_static)
  add_test(NAME crash_resume.kill_and_resume
           COMMAND crash_resume_test $<TARGET_FILE:bnn_cli> ${CMAKE_CURRENT_BINARY_DIR}/crash-resume-work)
  set_tests_properties(crash_resume.kill_and_resume PROPERTIES LABELS "cli;crash" TIMEOUT 900)
endif()
