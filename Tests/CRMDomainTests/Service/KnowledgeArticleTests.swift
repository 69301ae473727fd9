import CRMDomain
import Testing

@Suite struct KnowledgeArticleTests {
    typealias W = ServiceWorld
    let article = ID(600)
    let category = ID(610)

    func draft(_ title: String = "Resetting the router", body: String = "Hold the reset button for 10 s.")
        -> DraftKnowledgeArticle
    {
        DraftKnowledgeArticle(articleId: article, title: title, body: body, categoryId: category)
    }

    @Test func draftPublishRevisePublishArchive() throws {
        var w = try ServiceWorld()
        let drafted = try w.run(draft())
        #expect(
            serviceEvents(drafted) == [
                AnyHashable(
                    KnowledgeArticleDrafted(
                        articleId: article,
                        title: "Resetting the router",
                        body: "Hold the reset button for 10 s.",
                        categoryId: category
                    )
                )
            ]
        )
        let v1 = try w.run(PublishKnowledgeArticle(articleId: article))
        #expect(serviceEvents(v1) == [AnyHashable(KnowledgeArticlePublished(articleId: article, version: 1))])
        // A new draft leaves version 1 live until it is published as version 2.
        try w.run(draft(body: "Hold the reset button for 15 s."))
        var state = try #require(w.store.state(KnowledgeArticle.self, article))
        #expect(state.status == .published)
        #expect(state.publishedBody == "Hold the reset button for 10 s.")
        #expect(state.hasDraft)
        let v2 = try w.run(PublishKnowledgeArticle(articleId: article))
        #expect(serviceEvents(v2) == [AnyHashable(KnowledgeArticlePublished(articleId: article, version: 2))])
        state = try #require(w.store.state(KnowledgeArticle.self, article))
        #expect(state.publishedBody == "Hold the reset button for 15 s.")
        let archived = try w.run(ArchiveKnowledgeArticle(articleId: article))
        #expect(serviceEvents(archived) == [AnyHashable(KnowledgeArticleArchived(articleId: article))])
        // Drafting an archived article brings it back as a draft; it publishes as version 3.
        try w.run(draft())
        #expect(w.store.state(KnowledgeArticle.self, article)?.status == .draft)
        let v3 = try w.run(PublishKnowledgeArticle(articleId: article))
        #expect(serviceEvents(v3) == [AnyHashable(KnowledgeArticlePublished(articleId: article, version: 3))])
    }

    @Test func draftingNeedsTitleBodyAndPermission() throws {
        var w = try ServiceWorld()
        w.reject(draft(""), rule: "SVC-14.title", kind: .invalidInput)
        w.reject(draft(body: " "), rule: "SVC-14.body", kind: .invalidInput)
        w.reject(draft(), as: .user(W.agentA), rule: "SVC-14.perm", kind: .accessDenied)
    }

    @Test func publishingNeedsADraftAndThePublishPermission() throws {
        var w = try ServiceWorld()
        w.reject(PublishKnowledgeArticle(articleId: article), rule: "SVC-15.articleExists", kind: .notFound)
        try w.run(draft())
        w.reject(
            PublishKnowledgeArticle(articleId: article),
            as: .user(W.viewer),
            rule: "SVC-15.perm",
            kind: .accessDenied
        )
        try w.run(PublishKnowledgeArticle(articleId: article))
        w.reject(PublishKnowledgeArticle(articleId: article), rule: "SVC-15.draft", kind: .invalidState)
    }

    @Test func onlyPublishedArticlesAreArchived() throws {
        var w = try ServiceWorld()
        w.reject(ArchiveKnowledgeArticle(articleId: article), rule: "SVC-16.articleExists", kind: .notFound)
        try w.run(draft())
        w.reject(ArchiveKnowledgeArticle(articleId: article), rule: "SVC-16.published", kind: .invalidState)
        try w.run(PublishKnowledgeArticle(articleId: article))
        w.reject(
            ArchiveKnowledgeArticle(articleId: article),
            as: .user(W.viewer),
            rule: "SVC-16.perm",
            kind: .accessDenied
        )
        try w.run(ArchiveKnowledgeArticle(articleId: article))
        w.reject(ArchiveKnowledgeArticle(articleId: article), rule: "SVC-16.published", kind: .invalidState)
    }
}
