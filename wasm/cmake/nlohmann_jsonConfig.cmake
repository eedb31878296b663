# A stand-in for the system's nlohmann_json package, for the Emscripten build only.
# The system config points the target at /usr/include, and -I/usr/include would pull glibc's
# headers into the wasm sysroot. build.sh makes a folder holding only a `nlohmann` symlink and
# passes it as BNN_WASM_SYSINC; this target adds just that folder (as a system include).
if(NOT DEFINED BNN_WASM_SYSINC)
  message(FATAL_ERROR "BNN_WASM_SYSINC (folder with the nlohmann symlink) is not set")
endif()
if(NOT TARGET nlohmann_json::nlohmann_json)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${BNN_WASM_SYSINC}"
    INTERFACE_INCLUDE_DIRECTORIES "${BNN_WASM_SYSINC}")
endif()
set(nlohmann_json_FOUND TRUE)
