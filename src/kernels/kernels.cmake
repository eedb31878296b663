# Kernel sources. Each ISA-specific file gets that ISA's flags and nothing else does.
set(BNN_KERNEL_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/scalar_reference.cpp)
