import Foundation
import Testing
import TestSupport
import TensorCore
@testable import Autodiff

extension AutodiffTestSuite {
    @Suite("Recording is per thread")
    struct RecordingThreadTests {
        /// A graph built on one thread while another thread has recording switched off
        /// (as a backward pass does) must still be recorded: d(sum x²)/dx = 2x.
        @Test func recordingOffOnAnotherThreadDoesNotAffectThisOne() {
            let off = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
            let other = Thread {
                GradientRecording.withoutRecording {
                    off.signal()
                    done.wait()
                }
            }
            other.start()
            off.wait()
            #expect(GradientRecording.isEnabled)
            let x = Variable(Tensor(shape: [3], values: [1, -2, 0.5]), requiresGradient: true)
            let g = gradients(of: x.square().sum(), withRespectTo: [x])[0]
            done.signal()
            #expect(g.value.values == [2, -4, 1])
        }
    }
}
