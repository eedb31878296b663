// The bnn tool's MPI communicator (built only when CMake finds MPI; libbnn never links MPI).
#pragma once
#include "bnn/bnn.h"

namespace bnn::cli {

// Under an MPI launcher (OMPI_COMM_WORLD_SIZE or PMI_SIZE in the environment) with more than one
// process: initialises MPI and returns a communicator over MPI_COMM_WORLD. Otherwise NULL (MPI is
// not touched: a plain `bnn train` never initialises it).
const bnn_communicator_v2* mpi_communicator_from_launcher();
// Ends MPI if it was started: MPI_Finalize after success; MPI_Abort(code) after a failure, so the
// other ranks stop at once instead of waiting in a collective.
void mpi_finish(int exit_code);

}  // namespace bnn::cli
