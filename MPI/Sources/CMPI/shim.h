// MPI for Swift: mpi.h, and the handles Open MPI defines as macros over
// addresses of globals, which Swift cannot import, as plain functions.
#include <mpi.h>

static inline MPI_Comm ann_mpi_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype ann_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype ann_mpi_double(void) { return MPI_DOUBLE; }
static inline void *ann_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler ann_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }

// Processes of MPI_COMM_WORLD on this machine (sharing its memory and cores).
static inline int ann_mpi_local_size(void) {
    MPI_Comm local;
    int size = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) != MPI_SUCCESS) return 1;
    MPI_Comm_size(local, &size);
    MPI_Comm_free(&local);
    return size;
}
