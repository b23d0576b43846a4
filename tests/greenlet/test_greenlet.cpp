// The semantics of class greenlet, after Python's greenlet: one test per behaviour.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "greenlet/greenlet.hpp"

using namespace eventlet;

namespace {
greenlet* main_greenlet() {
  greenlet* g = getcurrent();
  while (g->parent()) g = g->parent();
  return g;
}
}  // namespace

TEST_CASE("each thread has a main greenlet: no parent, started, never dead") {
  greenlet* m = getcurrent();
  CHECK(m->parent() == nullptr);
  CHECK(m->started());
  CHECK_FALSE(m->dead());
  CHECK(static_cast<bool>(*m));
  greenlet* other = nullptr;
  std::thread([&] { other = getcurrent(); }).join();
  CHECK(other != m);
}

TEST_CASE("getcurrent returns the running greenlet") {
  greenlet* seen = nullptr;
  greenlet g([&](std::any) -> std::any {
    seen = getcurrent();
    return {};
  });
  g.switch_to();
  CHECK(seen == &g);
  CHECK(getcurrent() == main_greenlet());
}

TEST_CASE("the first switch starts the greenlet with the switched value") {
  greenlet g([](std::any v) -> std::any { return std::any_cast<int>(v) + 1; });
  CHECK_FALSE(g.started());
  CHECK(std::any_cast<int>(g.switch_to(41)) == 42);
}

TEST_CASE("switch_to passes values both ways") {
  greenlet* main = getcurrent();
  greenlet g([main](std::any v) -> std::any {
    std::string s = std::any_cast<std::string>(v);
    while (s.size() < 5) s = std::any_cast<std::string>(main->switch_to(s + "b"));
    return s;
  });
  std::string s = "a";
  for (std::any r = g.switch_to(s); !g.dead(); r = g.switch_to(std::any_cast<std::string>(r) + "a"))
    s = std::any_cast<std::string>(r);
  CHECK(s == "abab");
}

TEST_CASE("the return value goes to the parent, not to the greenlet that switched last") {
  greenlet* main = getcurrent();
  std::unique_ptr<greenlet> child;
  greenlet middle([&](std::any) -> std::any {
    child->switch_to();  // child's parent is main, so its result skips us
    return std::string("middle never resumed");
  });
  child = std::make_unique<greenlet>([](std::any) -> std::any { return 7; }, main);
  CHECK(std::any_cast<int>(middle.switch_to()) == 7);
  CHECK(child->dead());
  CHECK(static_cast<bool>(middle));
}

TEST_CASE("an exception escaping the function is rethrown in the parent") {
  greenlet g([](std::any) -> std::any { throw std::out_of_range("from green"); });
  CHECK_THROWS_WITH_AS(g.switch_to(), "from green", std::out_of_range);
  CHECK(g.dead());
}

TEST_CASE("an escaping greenlet_exit reaches the parent as a value") {
  greenlet g([](std::any) -> std::any { throw greenlet_exit{}; });
  std::any r;
  CHECK_NOTHROW(r = g.switch_to());
  CHECK(r.type() == typeid(greenlet_exit));
  CHECK(g.dead());
}

TEST_CASE("started, dead and bool follow the life cycle") {
  greenlet* main = getcurrent();
  greenlet g([main](std::any) -> std::any {
    main->switch_to();
    return {};
  });
  CHECK_FALSE(g.started());
  CHECK_FALSE(g.dead());
  CHECK_FALSE(static_cast<bool>(g));
  g.switch_to();
  CHECK(g.started());
  CHECK_FALSE(g.dead());
  CHECK(static_cast<bool>(g));
  g.switch_to();
  CHECK(g.started());
  CHECK(g.dead());
  CHECK_FALSE(static_cast<bool>(g));
}

TEST_CASE("the parent defaults to the creating greenlet") {
  std::unique_ptr<greenlet> inner;
  greenlet outer([&](std::any) -> std::any {
    inner = std::make_unique<greenlet>([](std::any) -> std::any { return {}; });
    return {};
  });
  outer.switch_to();
  CHECK(inner->parent() == &outer);
  greenlet direct([](std::any) -> std::any { return {}; });
  CHECK(direct.parent() == getcurrent());
}

TEST_CASE("set_parent changes where the result goes") {
  greenlet* main = getcurrent();
  greenlet collector([main](std::any v) -> std::any {
    main->switch_to(std::any_cast<int>(v) * 10);
    return {};
  });
  greenlet g([](std::any) -> std::any { return 5; });
  g.set_parent(&collector);
  CHECK(g.parent() == &collector);
  CHECK(std::any_cast<int>(g.switch_to()) == 50);
  collector.switch_to();
}

TEST_CASE("set_parent refuses cycles, null and main greenlets") {
  greenlet a([](std::any) -> std::any { return {}; });
  greenlet b([](std::any) -> std::any { return {}; }, &a);
  greenlet c([](std::any) -> std::any { return {}; }, &b);
  CHECK_THROWS_AS(a.set_parent(&c), std::invalid_argument);
  CHECK_THROWS_AS(a.set_parent(&a), std::invalid_argument);
  CHECK_THROWS_AS(a.set_parent(nullptr), std::invalid_argument);
  CHECK_THROWS_AS(getcurrent()->set_parent(&a), std::invalid_argument);
  CHECK(a.parent() == getcurrent());
}

TEST_CASE("a finished greenlet's result skips dead ancestors") {
  greenlet* main = getcurrent();
  std::unique_ptr<greenlet> grandchild;
  greenlet child([&](std::any) -> std::any {
    grandchild = std::make_unique<greenlet>([main](std::any) -> std::any {
      main->switch_to();
      return std::string("from grandchild");
    });
    grandchild->switch_to();
    return std::string("from child");
  });
  CHECK_FALSE(child.switch_to().has_value());  // grandchild paused; child waits on it
  CHECK(grandchild->parent() == &child);
  child.throw_in();  // kill child: it dies while grandchild lives
  CHECK(child.dead());
  CHECK(std::any_cast<std::string>(grandchild->switch_to()) == "from grandchild");
}

TEST_CASE("throw_in raises the exception at the greenlet's pending switch") {
  greenlet* main = getcurrent();
  greenlet g([main](std::any) -> std::any {
    try {
      main->switch_to();
    } catch (const std::runtime_error& e) {
      return std::string("caught ") + e.what();
    }
    return std::string("not thrown");
  });
  g.switch_to();
  CHECK(std::any_cast<std::string>(g.throw_in(std::make_exception_ptr(std::runtime_error("x")))) ==
        "caught x");
}

TEST_CASE("throw_in with greenlet_exit kills a suspended greenlet and returns the exit value") {
  greenlet* main = getcurrent();
  bool after = false;
  greenlet g([&](std::any) -> std::any {
    main->switch_to();
    after = true;
    return {};
  });
  g.switch_to();
  std::any r = g.throw_in();
  CHECK(r.type() == typeid(greenlet_exit));
  CHECK(g.dead());
  CHECK_FALSE(after);
}

TEST_CASE("a killed greenlet may catch greenlet_exit and return a value instead") {
  greenlet* main = getcurrent();
  greenlet g([main](std::any) -> std::any {
    try {
      main->switch_to();
    } catch (const greenlet_exit&) {
      return 99;
    }
    return 0;
  });
  g.switch_to();
  CHECK(std::any_cast<int>(g.throw_in()) == 99);
}

TEST_CASE("throwing into a greenlet that never started kills it without running it") {
  bool ran = false;
  greenlet g([&](std::any) -> std::any {
    ran = true;
    return {};
  });
  std::any r = g.throw_in();
  CHECK(r.type() == typeid(greenlet_exit));
  CHECK(g.dead());
  CHECK_FALSE(ran);
  greenlet h([&](std::any) -> std::any {
    ran = true;
    return {};
  });
  CHECK_THROWS_AS(h.throw_in(std::make_exception_ptr(std::logic_error("no"))), std::logic_error);
  CHECK(h.dead());
  CHECK_FALSE(ran);
}

TEST_CASE("throw_in needs an exception") {
  greenlet g([](std::any) -> std::any { return {}; });
  CHECK_THROWS_AS(g.throw_in(nullptr), std::invalid_argument);
  CHECK_FALSE(g.dead());
}

TEST_CASE("switching to a dead greenlet is a greenlet_error") {
  greenlet g([](std::any) -> std::any { return {}; });
  g.switch_to();
  CHECK_THROWS_AS(g.switch_to(), greenlet_error);
  CHECK_THROWS_AS(g.throw_in(), greenlet_error);
}

TEST_CASE("switching to a greenlet of another thread is a greenlet_error") {
  greenlet g([](std::any) -> std::any { return 1; });
  bool refused = false, refused_kill = false, refused_parent = false;
  std::thread([&] {
    try {
      g.switch_to();
    } catch (const greenlet_error&) {
      refused = true;
    }
    try {
      g.throw_in();
    } catch (const greenlet_error&) {
      refused_kill = true;
    }
    try {
      greenlet child([](std::any) -> std::any { return {}; }, &g);
    } catch (const std::invalid_argument&) {
      refused_parent = true;
    }
  }).join();
  CHECK(refused);
  CHECK(refused_kill);
  CHECK(refused_parent);
  CHECK(std::any_cast<int>(g.switch_to()) == 1);
}

TEST_CASE("destroying a started, unfinished greenlet unwinds its stack") {
  greenlet* main = getcurrent();
  int destroyed = 0;
  struct guard {
    int& n;
    ~guard() { ++n; }
  };
  {
    greenlet g([&](std::any) -> std::any {
      guard a{destroyed};
      {
        guard b{destroyed};
        main->switch_to();
      }
      return {};
    });
    g.switch_to();
    CHECK(destroyed == 0);
  }
  CHECK(destroyed == 2);
}

TEST_CASE("destroying a parent hands its children to the grandparent") {
  greenlet* main = getcurrent();
  auto parent = std::make_unique<greenlet>([](std::any) -> std::any { return {}; });
  greenlet child([](std::any) -> std::any { return 3; }, parent.get());
  parent.reset();
  CHECK(child.parent() == main);
  CHECK(std::any_cast<int>(child.switch_to()) == 3);
}

TEST_CASE("a greenlet's function and its captures are released when it finishes") {
  auto token = std::make_shared<int>(1);
  greenlet g([token](std::any) -> std::any { return {}; });
  CHECK(token.use_count() == 2);
  g.switch_to();
  CHECK(token.use_count() == 1);
}

TEST_CASE("a result sent to an unstarted parent starts it with that value") {
  greenlet parent([](std::any v) -> std::any { return std::any_cast<int>(v) + 100; });
  greenlet child([](std::any) -> std::any { return 1; }, &parent);
  CHECK(std::any_cast<int>(child.switch_to()) == 101);  // parent finished; its result came here
  CHECK(parent.dead());
}

TEST_CASE("std::current_exception is per greenlet inside catch blocks") {
  greenlet* main = getcurrent();
  greenlet g([main](std::any) -> std::any {
    try {
      throw std::runtime_error("green");
    } catch (...) {
      main->switch_to();
      try {
        std::rethrow_exception(std::current_exception());
      } catch (const std::runtime_error& e) {
        return std::string(e.what());
      }
    }
    return {};
  });
  try {
    throw std::logic_error("main");
  } catch (...) {
    g.switch_to();  // g is now suspended inside its own catch block
    try {
      std::rethrow_exception(std::current_exception());
    } catch (const std::logic_error& e) {
      CHECK(std::string(e.what()) == "main");
    }
    CHECK(std::any_cast<std::string>(g.switch_to()) == "green");
  }
  CHECK(std::current_exception() == nullptr);
}

TEST_CASE("std::uncaught_exceptions is per greenlet during unwinding") {
  greenlet* main = getcurrent();
  int seen_in_destructor = -1;
  struct switches_while_unwinding {
    greenlet* main;
    int& seen;
    ~switches_while_unwinding() {
      seen = std::uncaught_exceptions();
      main->switch_to();
    }
  };
  greenlet g([&](std::any) -> std::any {
    switches_while_unwinding s{main, seen_in_destructor};
    throw std::runtime_error("unwinding");
  });
  g.switch_to();  // g's destructor switched back mid-unwind
  CHECK(seen_in_destructor == 1);
  CHECK(std::uncaught_exceptions() == 0);
  CHECK_THROWS_WITH(g.switch_to(), "unwinding");
}

TEST_CASE("stack sizes are validated and the default can be changed") {
  const std::size_t before = default_stack_size();
  CHECK(before == 256 * 1024);
  CHECK_THROWS_AS(greenlet([](std::any) -> std::any { return {}; }, nullptr, 1024),
                  std::invalid_argument);
  CHECK_THROWS_AS(set_default_stack_size(std::size_t{8} << 30), std::invalid_argument);
  set_default_stack_size(100 * 1000);
  CHECK(default_stack_size() % 4096 == 0);
  CHECK(default_stack_size() >= 100 * 1000);
  set_default_stack_size(before);
  CHECK_THROWS_AS(greenlet(greenlet::function{}), std::invalid_argument);
}

TEST_CASE("a finished greenlet's stack is reused by the next one") {
  auto local_address = [](std::any) -> std::any {
    char c;
    return reinterpret_cast<std::uintptr_t>(&c);
  };
  greenlet a(local_address);
  const auto first = std::any_cast<std::uintptr_t>(a.switch_to());
  greenlet b(local_address);
  CHECK(std::any_cast<std::uintptr_t>(b.switch_to()) == first);
}

TEST_CASE("thousands of greenlets are alive at once") {
  greenlet* main = getcurrent();
  std::vector<std::unique_ptr<greenlet>> all;
  for (int i = 0; i < 10000; ++i) {
    all.push_back(std::make_unique<greenlet>([main, i](std::any) -> std::any {
      int sum = i;
      for (int round = 0; round < 3; ++round) sum += std::any_cast<int>(main->switch_to(sum));
      return sum;
    }));
    CHECK(std::any_cast<int>(all.back()->switch_to()) == i);
  }
  long total = 0;
  for (int round = 0; round < 3; ++round)
    for (auto& g : all) total += std::any_cast<int>(g->switch_to(1));
  long expected = 0;
  for (int i = 0; i < 10000; ++i) expected += (i + 1) + (i + 2) + (i + 3);
  CHECK(total == expected);
  for (auto& g : all) CHECK(g->dead());
}

TEST_CASE("settrace sees every switch with its origin and target") {
  greenlet* main = getcurrent();
  std::vector<std::pair<greenlet*, greenlet*>> seen;
  greenlet g([main](std::any) -> std::any {
    main->switch_to();
    return {};
  });
  CHECK_FALSE(settrace([&](greenlet* from, greenlet* to) { seen.emplace_back(from, to); }));
  g.switch_to();
  g.switch_to();
  trace_function previous = settrace({});
  CHECK(previous);
  CHECK(g.dead());
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == std::make_pair(main, &g));
  CHECK(seen[1] == std::make_pair(&g, main));
  CHECK(seen[2] == std::make_pair(main, &g));
  CHECK(seen[3] == std::make_pair(&g, main));  // its death
  greenlet h([](std::any) -> std::any { return {}; });
  h.switch_to();
  CHECK(seen.size() == 4);  // no trace any more
}
