// Package main is a mapfault plugin (include/mapfault/plugin_abi.h, ABI version 2) built with
// `go build -buildmode=c-shared`: four black-box backends over Go's own map, sync.RWMutex,
// sync.Mutex and sync.Map, so that mapfault judges the real Go runtime instead of its C++ stand-ins
// (naive, go_checked, rwlock, tbb_unordered). shim.c holds the C side (the backend table, the
// entry point, the plugin options); every operation lands in an exported function below.
//
// Contracts (what each backend claims; mapfault calls a broken claim BROKEN, a broken unclaimed
// invariant OUT_OF_CONTRACT, and Go's fatal misuse errors DETECTED):
//
//   - go.map: a plain map[int64]int64, no synchronisation. The Go spec (For statements, "range"
//     over maps): "If a map entry that has not yet been reached is removed during iteration, the
//     corresponding iteration value will not be produced. If a map entry is created during
//     iteration, that entry may be produced during the iteration or may be skipped." So a
//     same-goroutine delete or insert in range is legal (visitor writes; a key deleted and
//     re-inserted may be produced twice: duplicate-allows-reinsert), and every invariant holds
//     while one goroutine uses the map. Go's FAQ ("Why are map operations not defined to be
//     atomic?") and the memory model: a map is not safe when one goroutine writes while another
//     reads or writes; the runtime detects some such misuse (best effort) and throws "fatal error:
//     concurrent map writes" / "concurrent map read and map write" / "concurrent map iteration and
//     map write". Conditional contract: in a trial where insert, assign, erase, clear or an erasing
//     range runs concurrently, nothing is claimed (a detection is reported as misuse-detected).
//   - go.map_rwmutex: map + sync.RWMutex, the folklore's recommendation: range under RLock (any
//     number of readers), visitor erases collected and deleted under Lock after the loop; writes
//     under Lock. sync docs: "A RWMutex is a reader/writer mutual exclusion lock. The lock can be
//     held by an arbitrary number of readers or a single writer." Every single operation is
//     atomic; the range is a consistent view. Not claimed: check-then-act (a collected key is
//     deleted after the read lock is dropped, whatever it holds by then). Erase-this outcomes are
//     reported (0 when the key went in between). No visitor writes (Lock under RLock deadlocks).
//   - go.map_mutex_delete_in_range: map + one sync.Mutex held across a range that deletes the
//     entries the visitor asks for: legal in Go (same goroutine) and atomic. Claims everything.
//     No visitor writes (sync.Mutex is not reentrant).
//   - go.sync_map: sync.Map. Insert is LoadOrStore, assign Store, erase LoadAndDelete, find Load,
//     erase-this LoadAndDelete inside Range (reported). sync docs: Map "is safe for concurrent use by
//     multiple goroutines without additional locking"; Range: "Range does not necessarily
//     correspond to any consistent snapshot of the Map's contents: no key will be visited more than
//     once, but if the value for any key is stored or deleted concurrently (including by f), Range
//     may reflect any mapping for that key from any point during the Range call. Range does not
//     block other methods on the receiver; even f itself may call any method on m." Claims
//     no-crash, no-hang, linearizable (the single-key methods), the iteration invariants
//     (iter.no-duplicate without the reinsert allowance), quiescent-state and visitor writes. Go
//     1.19's sync.Map has no Len and no Clear: size counts with Range and clear deletes with Range,
//     neither atomic; so size-bounds and check-then-act are not claimed, and in a trial where size
//     or clear runs concurrently linearizable is not claimed either.
package main

/*
#include <stdint.h>
#include "mapfault/plugin_abi.h"
int mfgo_call_visit(mapfault_visit_fn visit, void* ctx, int64_t key, int64_t value);
void mfgo_erase_result(void* ctx, int64_t key, int erased);
*/
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

const (
	kindPlain = iota
	kindRWMutex
	kindMutexDeleteInRange
	kindSyncMap
)

const (
	iterMayErase  = C.MAPFAULT_ITER_MAY_ERASE
	visitContinue = C.MAPFAULT_VISIT_CONTINUE
	visitErase    = C.MAPFAULT_VISIT_ERASE_THIS
	visitStop     = C.MAPFAULT_VISIT_STOP
)

// goMap is one backend instance; the C side holds it as a cgo.Handle.
type goMap interface {
	insert(k, v int64) bool
	assign(k, v int64)
	erase(k int64) bool
	find(k int64) (int64, bool)
	size() uint64
	clear()
	forEach(kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer)
}

func callVisit(visit C.mapfault_visit_fn, ctx unsafe.Pointer, k, v int64) int {
	return int(C.mfgo_call_visit(visit, ctx, C.int64_t(k), C.int64_t(v)))
}

func eraseResult(ctx unsafe.Pointer, k int64, erased bool) {
	e := 0
	if erased {
		e = 1
	}
	C.mfgo_erase_result(ctx, C.int64_t(k), C.int(e))
}

// ---- go.map: no synchronisation at all.

type plainMap struct{ m map[int64]int64 }

func (p *plainMap) insert(k, v int64) bool {
	if _, ok := p.m[k]; ok {
		return false
	}
	p.m[k] = v
	return true
}
func (p *plainMap) assign(k, v int64) { p.m[k] = v }
func (p *plainMap) erase(k int64) bool {
	_, ok := p.m[k]
	delete(p.m, k)
	return ok
}
func (p *plainMap) find(k int64) (int64, bool) { v, ok := p.m[k]; return v, ok }
func (p *plainMap) size() uint64              { return uint64(len(p.m)) }
func (p *plainMap) clear() {
	for k := range p.m {
		delete(p.m, k)
	}
}

// rangeDeleting is Go's own delete-in-range (legal in the same goroutine).
func rangeDeleting(m map[int64]int64, kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	for k, v := range m {
		switch callVisit(visit, ctx, k, v) {
		case visitErase:
			if kind == iterMayErase {
				delete(m, k)
			}
		case visitStop:
			return
		}
	}
}

func (p *plainMap) forEach(kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	rangeDeleting(p.m, kind, visit, ctx)
}

// ---- go.map_rwmutex: RLock for reads and range, Lock for writes and the collected deletes.

type rwMap struct {
	mu sync.RWMutex
	p  plainMap
}

func (r *rwMap) insert(k, v int64) bool { r.mu.Lock(); defer r.mu.Unlock(); return r.p.insert(k, v) }
func (r *rwMap) assign(k, v int64)      { r.mu.Lock(); defer r.mu.Unlock(); r.p.assign(k, v) }
func (r *rwMap) erase(k int64) bool     { r.mu.Lock(); defer r.mu.Unlock(); return r.p.erase(k) }
func (r *rwMap) find(k int64) (int64, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.p.find(k)
}
func (r *rwMap) size() uint64 { r.mu.RLock(); defer r.mu.RUnlock(); return r.p.size() }
func (r *rwMap) clear()       { r.mu.Lock(); defer r.mu.Unlock(); r.p.clear() }
func (r *rwMap) forEach(kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	var doomed []int64
	r.mu.RLock()
	for k, v := range r.p.m {
		action := callVisit(visit, ctx, k, v)
		if action == visitErase && kind == iterMayErase {
			doomed = append(doomed, k)
		}
		if action == visitStop {
			break
		}
	}
	r.mu.RUnlock()
	if len(doomed) == 0 {
		return
	}
	r.mu.Lock()
	erased := make([]bool, len(doomed))
	for i, k := range doomed {
		erased[i] = r.p.erase(k)
	}
	r.mu.Unlock()
	for i, k := range doomed {
		eraseResult(ctx, k, erased[i])
	}
}

// ---- go.map_mutex_delete_in_range: one sync.Mutex around everything, deletes inside the range.

type mutexMap struct {
	mu sync.Mutex
	p  plainMap
}

func (m *mutexMap) insert(k, v int64) bool { m.mu.Lock(); defer m.mu.Unlock(); return m.p.insert(k, v) }
func (m *mutexMap) assign(k, v int64)      { m.mu.Lock(); defer m.mu.Unlock(); m.p.assign(k, v) }
func (m *mutexMap) erase(k int64) bool     { m.mu.Lock(); defer m.mu.Unlock(); return m.p.erase(k) }
func (m *mutexMap) find(k int64) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.p.find(k)
}
func (m *mutexMap) size() uint64 { m.mu.Lock(); defer m.mu.Unlock(); return m.p.size() }
func (m *mutexMap) clear()       { m.mu.Lock(); defer m.mu.Unlock(); m.p.clear() }
func (m *mutexMap) forEach(kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rangeDeleting(m.p.m, kind, visit, ctx)
}

// ---- go.sync_map.

type syncMap struct{ m sync.Map }

func (s *syncMap) insert(k, v int64) bool { _, loaded := s.m.LoadOrStore(k, v); return !loaded }
func (s *syncMap) assign(k, v int64)      { s.m.Store(k, v) }
func (s *syncMap) erase(k int64) bool     { _, loaded := s.m.LoadAndDelete(k); return loaded }
func (s *syncMap) find(k int64) (int64, bool) {
	v, ok := s.m.Load(k)
	if !ok {
		return 0, false
	}
	return v.(int64), true
}
func (s *syncMap) size() uint64 {
	n := uint64(0)
	s.m.Range(func(_, _ any) bool { n++; return true })
	return n
}
func (s *syncMap) clear() {
	s.m.Range(func(k, _ any) bool { s.m.Delete(k); return true })
}
func (s *syncMap) forEach(kind int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	s.m.Range(func(key, value any) bool {
		k, v := key.(int64), value.(int64)
		switch callVisit(visit, ctx, k, v) {
		case visitErase:
			if kind == iterMayErase {
				_, loaded := s.m.LoadAndDelete(k)
				eraseResult(ctx, k, loaded)
			}
		case visitStop:
			return false
		}
		return true
	})
}

// ---- The exported operations shim.c forwards to. A map is a cgo.Handle (never 0).

func get(h C.uintptr_t) goMap { return cgo.Handle(h).Value().(goMap) }

//export mfgoCreate
func mfgoCreate(kind C.int) C.uintptr_t {
	var m goMap
	switch kind {
	case kindPlain:
		m = &plainMap{m: map[int64]int64{}}
	case kindRWMutex:
		m = &rwMap{p: plainMap{m: map[int64]int64{}}}
	case kindMutexDeleteInRange:
		m = &mutexMap{p: plainMap{m: map[int64]int64{}}}
	default:
		m = &syncMap{}
	}
	return C.uintptr_t(cgo.NewHandle(m))
}

//export mfgoDestroy
func mfgoDestroy(h C.uintptr_t) { cgo.Handle(h).Delete() }

//export mfgoInsert
func mfgoInsert(h C.uintptr_t, k, v C.int64_t) C.int {
	if get(h).insert(int64(k), int64(v)) {
		return 1
	}
	return 0
}

//export mfgoAssign
func mfgoAssign(h C.uintptr_t, k, v C.int64_t) { get(h).assign(int64(k), int64(v)) }

//export mfgoErase
func mfgoErase(h C.uintptr_t, k C.int64_t) C.int {
	if get(h).erase(int64(k)) {
		return 1
	}
	return 0
}

//export mfgoFind
func mfgoFind(h C.uintptr_t, k C.int64_t, out *C.int64_t) C.int {
	v, ok := get(h).find(int64(k))
	if !ok {
		return 0
	}
	*out = C.int64_t(v)
	return 1
}

//export mfgoSize
func mfgoSize(h C.uintptr_t) C.uint64_t { return C.uint64_t(get(h).size()) }

//export mfgoClear
func mfgoClear(h C.uintptr_t) { get(h).clear() }

//export mfgoForEach
func mfgoForEach(h C.uintptr_t, kind C.int, visit C.mapfault_visit_fn, ctx unsafe.Pointer) {
	get(h).forEach(int(kind), visit, ctx)
}

func main() {}
