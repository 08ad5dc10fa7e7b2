// Internal: the softmax cross-entropy of a run of rows with each row's loss
// kept apart, for the output-layer step, whose threads each take a run of
// rows and whose caller then sums the losses in row order.
#ifndef ANN_OUTPUT_ROWS_H
#define ANN_OUTPUT_ROWS_H

#include <stdint.h>

// As ann_softmax_cross_entropy, with row r's loss in row_loss[r] instead of a sum.
void ann_softmax_cross_entropy_rows(float *P, float *dZ, float *row_loss, const float *Z,
                                    const int32_t *labels, int B, int C, float grad_scale);

#endif
