import Foundation
import TensorCore
import Datasets

/// How strongly images alternate between even and odd columns (or rows), in the samples
/// and, as the control, in 100 test images.
///
/// NICE splits the flattened 784 pixels by even and odd index, and 28 is even, so its two
/// halves are the even and the odd columns: a shift that one coupling network gets wrong
/// lands on every other column, a vertical stripe. Rows are the control: the split does
/// not follow them.
struct StripeContrast: Codable {
    var samplesColumns, samplesRows, testImagesColumns, testImagesRows: Double

    init(samples: Tensor, testImages: Tensor) {
        samplesColumns = stripeContrast(samples, alongColumns: true)
        samplesRows = stripeContrast(samples, alongColumns: false)
        testImagesColumns = stripeContrast(testImages, alongColumns: true)
        testImagesRows = stripeContrast(testImages, alongColumns: false)
    }
}

/// For each image, the mean over rows of (even columns' mean - odd columns' mean) (or the
/// same over columns for rows), in absolute value, averaged over the images.
func stripeContrast(_ images: Tensor, alongColumns: Bool) -> Double {
    let (n, h, w) = (images.shape[0], images.shape[2], images.shape[3])
    let v = images.values
    var total = 0.0
    for k in 0..<n {
        var sum = 0.0
        for i in 0..<h { for j in 0..<w {
            let parity = alongColumns ? j % 2 : i % 2
            sum += (parity == 0 ? 1 : -1) * Double(v[(k * h + i) * w + j])
        } }
        total += abs(sum) / Double(h * w / 2)
    }
    return total / Double(n)
}
