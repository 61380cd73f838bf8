import Foundation
import Testing

/// book.md reads as a course (issue 31): each chapter opens with a box saying what to run,
/// how long it takes and what to expect; every exercise has an answer in the appendix; and
/// the lessons carry no lab-notebook provenance (commit hashes, OpenBLAS kernel names),
/// which lives in the appendix "How the numbers in this book were made" and the figure
/// table. Each check is a function of the text, exercised on made-up input below.
@Suite("book.md reads as a course")
struct BookCourseTests {
    static let book = BookConsistencyTests.book

    /// The book's `## ` sections as (heading, body), in order.
    static func sections(of text: String) -> [(heading: String, body: String)] {
        var result: [(String, String)] = []
        for chunk in ("\n" + text).components(separatedBy: "\n## ").dropFirst() {
            let heading = chunk.prefix { $0 != "\n" }
            result.append((String(heading), String(chunk.dropFirst(heading.count))))
        }
        return result
    }

    /// Text with its fenced code blocks removed: quoted code keeps its own comments.
    static func withoutCode(_ text: String) -> String {
        text.replacingOccurrences(of: #"```[a-z]*\n[\s\S]*?\n```"#, with: "", options: .regularExpression)
    }

    /// The "## Chapter" sections whose box is missing, has no `swift run` command, or has no
    /// time read from a results file (a number tagged with a key ending in "seconds").
    static func chaptersWithoutABox(in text: String) -> [String] {
        sections(of: text).filter { $0.heading.hasPrefix("Chapter") }.compactMap { section in
            let box = section.body.components(separatedBy: "\n\n")
                .first { $0.hasPrefix("> **Run it.**") || $0.contains("\n> **Run it.**") } ?? ""
            let hasCommand = box.contains("`swift run ")
            let hasTime = !BookConsistencyTests.matches(#"[0-9]<!-- n: \S+ \S*seconds -->"#, in: box).isEmpty
            return hasCommand && hasTime ? nil : section.heading
        }
    }

    /// Exercise labels ("3.2") of the "### Exercises" lists, and answer labels of the
    /// appendix "Answers to the exercises".
    static func exerciseLabels(in text: String) -> (exercises: [String], answers: [String]) {
        var exercises: [String] = []
        for part in text.components(separatedBy: "### Exercises\n").dropFirst() {
            let list = part.components(separatedBy: "\n## ")[0]
            exercises += BookConsistencyTests.matches(#"(?m)^- \*\*([0-9]+\.[0-9]+)\*\*"#, in: list).map { $0[1] }
        }
        let appendix = sections(of: text).first { $0.heading == "Appendix: Answers to the exercises" }?.body ?? ""
        let answers = BookConsistencyTests.matches(#"(?m)^\*\*([0-9]+\.[0-9]+)\*\*"#, in: appendix).map { $0[1] }
        return (exercises, answers)
    }

    /// Exercises with no answer, and answers to no exercise.
    static func unansweredExercises(in text: String) -> (unanswered: [String], orphans: [String]) {
        let (exercises, answers) = exerciseLabels(in: text)
        return (exercises.filter { !answers.contains($0) }, answers.filter { !exercises.contains($0) })
    }

    /// Sections where provenance belongs; everything else is a lesson.
    static let provenanceSections = ["Where every figure comes from", "Appendix: How the numbers in this book were made"]

    static let kernelNames = ["Haswell", "SkylakeX", "Skylake", "Cooperlake", "Sapphirerapids", "Zen", "Sandybridge",
                              "Nehalem", "Penryn", "Dunnington", "Prescott", "Core2", "Atom", "Barcelona",
                              "Bulldozer", "Piledriver", "Steamroller", "Excavator", "Neoverse"]

    /// Commit hashes (7 to 40 hex digits with at least one digit and one letter) and OpenBLAS
    /// kernel names in the lessons' prose, with the heading of the section they are in.
    static func provenanceInLessons(in text: String) -> [String] {
        let hash = #"(?<![0-9A-Za-z])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![0-9A-Za-z])"#
        let kernel = #"\b("# + kernelNames.joined(separator: "|") + #")\b"#
        var found: [String] = []
        for section in sections(of: text) where !provenanceSections.contains(section.heading) {
            let prose = withoutCode(section.body)
            for match in BookConsistencyTests.matches(hash, in: prose) + BookConsistencyTests.matches(kernel, in: prose) {
                found.append("\(match[0]) in \"\(section.heading)\"")
            }
        }
        return found
    }

    @Test("every chapter opens with a box: the command, its time from a results file, what to expect")
    func everyChapterHasItsBox() {
        let chapters = Self.sections(of: Self.book).filter { $0.heading.hasPrefix("Chapter") }
        #expect(chapters.count >= 6, "book.md has \(chapters.count) chapters")
        let missing = Self.chaptersWithoutABox(in: Self.book)
        #expect(missing.isEmpty, "chapters without a '> **Run it.**' box with a `swift run` command and a tagged time: \(missing)")
    }

    @Test("every exercise has an answer in the appendix, under the same label")
    func everyExerciseHasAnAnswer() {
        let (exercises, _) = Self.exerciseLabels(in: Self.book)
        #expect(exercises.count >= 18, "found only \(exercises.count) labelled exercises")
        #expect(Set(exercises).count == exercises.count, "an exercise label is used twice: \(exercises)")
        let (unanswered, orphans) = Self.unansweredExercises(in: Self.book)
        #expect(unanswered.isEmpty, "exercises without an answer in 'Appendix: Answers to the exercises': \(unanswered)")
        #expect(orphans.isEmpty, "answers to no exercise: \(orphans)")
    }

    @Test("no commit hash or OpenBLAS kernel name in the lessons (they belong in the provenance appendix)")
    func noProvenanceInTheLessons() {
        let sectionHeadings = Self.sections(of: Self.book).map(\.heading)
        for heading in Self.provenanceSections {
            #expect(sectionHeadings.contains(heading), "book.md has no section '\(heading)'")
        }
        let found = Self.provenanceInLessons(in: Self.book)
        #expect(found.isEmpty, "move these to 'Appendix: How the numbers in this book were made': \(found)")
    }
}

/// The course checks must be able to fail: they run here on doctored text.
@Suite("The course checks catch what they look for")
struct BookCourseCheckSelfTests {
    static let chapter = "## Chapter 01: A\n\n> **Run it.** `swift run chapter01-a`: about\n> 2<!-- n: ch01-results.json seconds --> seconds.\n\nText.\n"

    @Test func aChapterWithoutItsBoxIsFound() {
        #expect(BookCourseTests.chaptersWithoutABox(in: Self.chapter).isEmpty)
        let noBox = "## Chapter 02: B\n\nText only.\n"
        let noTime = "## Chapter 03: C\n\n> **Run it.** `swift run chapter03-c`: about 5 minutes.\n"
        let noCommand = "## Chapter 04: D\n\n> **Run it.** about 3<!-- n: ch04-results.json seconds --> seconds.\n"
        let notAChapter = "## Preface\n\nNo box needed.\n"
        #expect(BookCourseTests.chaptersWithoutABox(in: Self.chapter + noBox + noTime + noCommand + notAChapter)
                == ["Chapter 02: B", "Chapter 03: C", "Chapter 04: D"])
    }

    @Test func anExerciseWithoutAnAnswerIsFound() {
        let exercises = "## Chapter 01: A\n\n### Exercises\n\n- **1.1** Run it.\n- **1.2** Change it.\n\n## Chapter 02: B\n\n### Exercises\n\n- **2.1** Again.\n"
        let answers = "## Appendix: Answers to the exercises\n\n**1.1** *Hint:* x.\n\n**2.1** y.\n\n**3.1** z.\n"
        #expect(BookCourseTests.exerciseLabels(in: exercises + answers).exercises == ["1.1", "1.2", "2.1"])
        let (unanswered, orphans) = BookCourseTests.unansweredExercises(in: exercises + answers)
        #expect(unanswered == ["1.2"])
        #expect(orphans == ["3.1"])
    }

    @Test func commitHashesAndKernelNamesInTheLessonsAreFound() {
        let lesson = "## Chapter 04: D\n\nThe grid (`Figures/ch04-results.json` of commit c286ae9) ran on Haswell kernels.\n"
        #expect(BookCourseTests.provenanceInLessons(in: lesson)
                == ["c286ae9 in \"Chapter 04: D\"", "Haswell in \"Chapter 04: D\""])
        // Where provenance belongs, and in quoted code, it is allowed; numbers are not hashes.
        let appendix = "## Appendix: How the numbers in this book were made\n\nCommit 87e11cc, Cooperlake kernels.\n"
        let table = "## Where every figure comes from\n\n| `ch05-long/` | commit a46ee4f |\n"
        let code = "## Chapter 05: E\n\n```swift\n// SkylakeX 1234abcd\n```\n\n23213488 parameters, 2.2e-16, a decade of effaced runs.\n"
        #expect(BookCourseTests.provenanceInLessons(in: appendix + table + code).isEmpty)
    }
}
