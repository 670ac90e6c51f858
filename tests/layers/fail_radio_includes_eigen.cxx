// Must not compile: the radio models use no Eigen (it comes with nn, which radio does not use).
#include <Eigen/Dense>
