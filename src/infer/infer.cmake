# libbnn_infer: the bnn-infer runtime alone (bnn_infer_* plus version/status/last-error entry
# points), for deployments that do not need training: no JSON, no Model, no kernel dispatch.
# libbnn contains the same runtime sources; standalone.cpp is only here (libbnn defines its
# entry points in src/api/).
list(FILTER BNN_CORE_SOURCES EXCLUDE REGEX "/src/infer/standalone\\.cpp$")
set(BNN_INFER_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/engine.cpp ${CMAKE_CURRENT_LIST_DIR}/kernels.cpp
    ${CMAKE_CURRENT_LIST_DIR}/infer_api.cpp ${CMAKE_CURRENT_LIST_DIR}/standalone.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../io/crc32.cpp ${CMAKE_CURRENT_LIST_DIR}/../io/file.cpp)
add_library(bnn_infer_objects OBJECT ${BNN_INFER_SOURCES})
target_include_directories(bnn_infer_objects PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>)
set_target_properties(bnn_infer_objects PROPERTIES CXX_VISIBILITY_PRESET hidden
                      VISIBILITY_INLINES_HIDDEN ON)
target_compile_definitions(bnn_infer_objects PRIVATE BNN_SHARED_BUILD)
add_library(bnn_infer SHARED $<TARGET_OBJECTS:bnn_infer_objects>)
target_include_directories(bnn_infer PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
set_target_properties(bnn_infer PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" AND NOT APPLE AND NOT WIN32 AND NOT EMSCRIPTEN)
  target_link_options(bnn_infer PRIVATE "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/bnn.map")
endif()
add_library(bnn_infer_static STATIC $<TARGET_OBJECTS:bnn_infer_objects>)
set_target_properties(bnn_infer_static PROPERTIES OUTPUT_NAME bnn_infer)
