/// Forward passes over a data set in chunks, spread over workers, each
/// keeping its own confusion counts and loss sum in its workspace.
struct EvaluationPass {
    let workspaces: [ShardWorkspace]
    let source: SampleSource
    let range: Range<Int>
    let parameters: UnsafePointer<Float>
    let step: TrainingStep
    /// Whether the loss needs dense targets (MSE) rather than labels.
    let denseTargets: Bool

    /// Worker `w`'s share: chunks `w`, `w + workers`, … of the range.
    func run(worker w: Int) {
        let workspace = workspaces[w]
        let classes = workspace.architecture.outputSize
        workspace.confusion.update(repeating: 0, count: classes * classes)
        workspace.lossSum = 0
        let chunk = workspace.capacity
        for start in stride(from: range.lowerBound + w * chunk, to: range.upperBound, by: chunk * workspaces.count) {
            let rows = min(chunk, range.upperBound - start)
            source.load(into: workspace, indices: nil, first: start, rows: rows, denseTargets: denseTargets, threads: 1)
            step.forward(workspace, rows: rows, parameters: parameters)
            workspace.lossSum += step.outputLoss(workspace, rows: rows, gradientScale: 0)
            for i in 0..<rows where workspace.labels.pointer[i] >= 0 {
                workspace.confusion[Int(workspace.labels.pointer[i]) * classes + Int(workspace.predictions.pointer[i])] += 1
            }
        }
    }
}
