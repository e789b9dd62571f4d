// The learned activations of a regularizer (a convex ridge regularizer's splines sigma_i) as small
// plots side by side: each curve with its knots, on one shared vertical scale so that their
// slopes compare.
#pragma once

#include <QWidget>
#include <vector>

#include "bilevel/regularizer.h"

namespace studio {

class ActivationView final : public QWidget {
  Q_OBJECT

 public:
  explicit ActivationView(QWidget* parent = nullptr);
  void setCurves(std::vector<bilevel::Curve> curves, long iteration);
  int curveCount() const { return int(curves_.size()); }
  QSize sizeHint() const override { return {320, 160}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::vector<bilevel::Curve> curves_;
  long iteration_ = 0;
};

}  // namespace studio
