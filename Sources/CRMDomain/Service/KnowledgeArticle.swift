// Knowledge-base articles (SVC-14..SVC-16, stream `knowledgeArticle-<articleId>`): draft → published → archived
// (proposal; Espo has KnowledgeBaseArticle entities). Drafting a published article prepares its next version
// while the published one stays live; publishing makes the draft the new version (1, 2, …). Drafting an archived
// article brings it back as a draft.

/// SVC-14. A draft (new article or next version) was written.
public struct KnowledgeArticleDrafted: DomainEvent {
    public static let eventType = "KnowledgeArticleDrafted"
    public let articleId: ID
    public let title: String
    public let body: String
    public let categoryId: ID

    public init(articleId: ID, title: String, body: String, categoryId: ID) {
        self.articleId = articleId
        self.title = title
        self.body = body
        self.categoryId = categoryId
    }
}

/// SVC-15. The draft was published as `version`.
public struct KnowledgeArticlePublished: DomainEvent {
    public static let eventType = "KnowledgeArticlePublished"
    public let articleId: ID
    public let version: Int64

    public init(articleId: ID, version: Int64) {
        self.articleId = articleId
        self.version = version
    }
}

/// SVC-16. The published article was archived.
public struct KnowledgeArticleArchived: DomainEvent {
    public static let eventType = "KnowledgeArticleArchived"
    public let articleId: ID

    public init(articleId: ID) { self.articleId = articleId }
}

/// Where an article is in its lifecycle.
public enum KnowledgeArticleStatus: String, Codable, Hashable, Sendable, CaseIterable {
    /// Never published (or brought back from the archive): only the draft exists.
    case draft
    /// A version is live (a draft of the next version may be pending).
    case published
    case archived
}

/// A knowledge article, folded from `knowledgeArticle-<articleId>`.
public struct KnowledgeArticle: Aggregate {
    public static let category = "knowledgeArticle"

    public var exists = false
    public var articleId: ID?
    public var status: KnowledgeArticleStatus = .draft
    /// True when a draft waits to be published.
    public var hasDraft = false
    public var draftTitle = ""
    public var draftBody = ""
    public var draftCategoryId: ID?
    /// The live (or last live) version: 0 before the first publication.
    public var publishedVersion: Int64 = 0
    public var publishedTitle = ""
    public var publishedBody = ""
    public var publishedCategoryId: ID?

    public init() {}

    public mutating func apply(_ event: any DomainEvent) {
        switch event {
        case let e as KnowledgeArticleDrafted:
            exists = true
            articleId = e.articleId
            hasDraft = true
            draftTitle = e.title
            draftBody = e.body
            draftCategoryId = e.categoryId
            if status == .archived { status = .draft }
        case let e as KnowledgeArticlePublished:
            status = .published
            publishedVersion = e.version
            publishedTitle = draftTitle
            publishedBody = draftBody
            publishedCategoryId = draftCategoryId
            hasDraft = false
        case is KnowledgeArticleArchived:
            status = .archived
            hasDraft = false
        default:
            break
        }
    }
}

/// SVC-14: write a draft of an article (a new article, or the next version of an existing one).
public struct DraftKnowledgeArticle: Command {
    public let articleId: ID
    public let title: String
    public let body: String
    public let categoryId: ID

    public init(articleId: ID, title: String, body: String, categoryId: ID) {
        self.articleId = articleId
        self.title = title
        self.body = body
        self.categoryId = categoryId
    }

    public func decide(_ d: inout Decision) throws(Rejection) {
        let existing = d.load(KnowledgeArticle.self, articleId)
        try d.authorize(existing == nil ? .create : .edit, on: .knowledgeArticle, rule: "SVC-14.perm")
        try Rejection.require(title, "SVC-14.title", field: "title")
        try Rejection.require(body, "SVC-14.body", field: "body")
        d.emit(
            KnowledgeArticleDrafted(articleId: articleId, title: title, body: body, categoryId: categoryId),
            to: .of(KnowledgeArticle.self, articleId)
        )
    }
}

/// SVC-15: publish an article's draft as its next version.
public struct PublishKnowledgeArticle: Command {
    public let articleId: ID

    public init(articleId: ID) { self.articleId = articleId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let article = d.load(KnowledgeArticle.self, articleId), article.exists else {
            throw .notFound("SVC-15.articleExists", "knowledgeArticle", id: articleId)
        }
        try d.authorize(.publish, on: .knowledgeArticle, rule: "SVC-15.perm")
        guard article.hasDraft else {
            throw .invalidState(
                "SVC-15.draft",
                "knowledge article \(articleId) has no draft to publish (status \(article.status.rawValue), "
                    + "version \(article.publishedVersion)); draft a new version first",
                ["articleId": articleId.description, "status": article.status.rawValue]
            )
        }
        d.emit(
            KnowledgeArticlePublished(articleId: articleId, version: article.publishedVersion + 1),
            to: .of(KnowledgeArticle.self, articleId)
        )
    }
}

/// SVC-16: archive a published article.
public struct ArchiveKnowledgeArticle: Command {
    public let articleId: ID

    public init(articleId: ID) { self.articleId = articleId }

    public func decide(_ d: inout Decision) throws(Rejection) {
        guard let article = d.load(KnowledgeArticle.self, articleId), article.exists else {
            throw .notFound("SVC-16.articleExists", "knowledgeArticle", id: articleId)
        }
        try d.authorize(.archive, on: .knowledgeArticle, rule: "SVC-16.perm")
        guard article.status == .published else {
            throw .invalidState(
                "SVC-16.published",
                "knowledge article \(articleId) is \(article.status.rawValue); only published articles are archived",
                ["articleId": articleId.description, "status": article.status.rawValue]
            )
        }
        d.emit(KnowledgeArticleArchived(articleId: articleId), to: .of(KnowledgeArticle.self, articleId))
    }
}
